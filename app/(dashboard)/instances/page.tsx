import { requireSignedIn } from "@/lib/auth/page-guard";
import { loadHostsPage } from "@/lib/instances/pages";
import { InstancesView } from "../../_components/instances/instances-view";

export const dynamic = "force-dynamic";

export default async function InstancesPage() {
  await requireSignedIn("/instances");
  const page = await loadHostsPage();
  return <InstancesView initial={page.hosts} version={page.version} renderedAt={Date.now()} />;
}
