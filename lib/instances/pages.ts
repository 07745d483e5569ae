import { pageLoader } from "../http/page-loader";
import { listInstances } from "./queries";

/** The Hosts page: every host with its sessions' counts, as /api/instances answers. */
export const loadHostsPage = pageLoader("the hosts", () => listInstances());
