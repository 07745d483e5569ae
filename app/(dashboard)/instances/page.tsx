import { requireSignedIn } from "@/lib/auth/page-guard";
import { loadHostsPage } from "@/lib/instances/pages";
import { InstancesView } from "../../_components/instances/instances-view";

export const dynamic = "force-dynamic";

export default async function InstancesPage() {
  await requireSignedIn("/instances");
  return <InstancesView initial={await loadHostsPage()} renderedAt={Date.now()} />;
}
