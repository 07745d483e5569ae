import { pageLoader } from "../http/page-loader";
import { liveVersion } from "../runtime";
import { listInstances } from "./queries";

/**
 * The Hosts page: every host with its sessions' counts, as /api/instances answers, and the live
 * push's change count from before they were read (the page catches up if it moved meanwhile).
 */
export const loadHostsPage = pageLoader("the hosts", async () => {
  const version = liveVersion();
  return { hosts: await listInstances(), version };
});
