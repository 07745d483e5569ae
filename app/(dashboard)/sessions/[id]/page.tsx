import { notFound } from "next/navigation";
import { requireSignedIn } from "@/lib/auth/page-guard";
import { loadSessionPage } from "@/lib/sessions/pages";
import { SessionView } from "../../../_components/session/session-view";

export const dynamic = "force-dynamic";

export default async function SessionPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  await requireSignedIn(`/sessions/${encodeURIComponent(id)}`);
  const page = await loadSessionPage(id);
  if (!page) notFound();
  return <SessionView detail={page.detail} version={page.version} renderedAt={Date.now()} />;
}
