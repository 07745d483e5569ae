import { notFound } from "next/navigation";
import { requireSignedIn } from "@/lib/auth/page-guard";
import { getSessionDetail } from "@/lib/sessions/detail";
import { SessionView } from "../../../_components/session/session-view";

export const dynamic = "force-dynamic";

export default async function SessionPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  await requireSignedIn(`/sessions/${encodeURIComponent(id)}`);
  // Newest first from the database; the view shows them oldest first and pages backwards.
  const detail = await getSessionDetail(id, { order: "desc", limit: 200 });
  if (!detail) notFound();
  return <SessionView detail={detail} renderedAt={Date.now()} />;
}
