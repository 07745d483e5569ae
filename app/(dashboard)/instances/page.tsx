import { requireSignedIn } from "@/lib/auth/page-guard";
import { listInstances } from "@/lib/instances/queries";
import { InstancesView } from "../../_components/instances/instances-view";

export const dynamic = "force-dynamic";

export default async function InstancesPage() {
  await requireSignedIn("/instances");
  return <InstancesView initial={await listInstances()} renderedAt={Date.now()} />;
}
