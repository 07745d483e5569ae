import { headers } from "next/headers";
import { sessionListParams } from "@/lib/sessions/params";
import { requireSignedIn } from "@/lib/auth/page-guard";
import { getConfig } from "@/lib/config";
import { hasAnySession, listActiveSessionStates } from "@/lib/sessions/active";
import { listInstances } from "@/lib/instances/queries";
import { listSessions } from "@/lib/sessions/list";
import { Board } from "../_components/board/board";
import { parseBoardView } from "../_components/board/view";
import { SetupSteps } from "../_components/board/setup-steps";

export const dynamic = "force-dynamic";

export default async function BoardPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requireSignedIn("/");
  const view = parseBoardView(await searchParams);
  const params = sessionListParams.parse({
    hostname: view.host || undefined,
    status: view.status || undefined,
    search: view.search || undefined,
    parent: "any",
    limit: "200",
  });
  const [page, states, hosts, anySession] = await Promise.all([
    listSessions(params),
    listActiveSessionStates(),
    listInstances(),
    hasAnySession(),
  ]);

  if (!anySession) {
    const h = await headers();
    const origin = `${h.get("x-forwarded-proto") ?? "http"}://${h.get("host") ?? "localhost:3000"}`;
    return <SetupSteps origin={origin} apiKey={getConfig().apiKey} />;
  }
  return (
    <Board initial={page} states={states} hosts={hosts.map((h) => h.hostname)} view={view} renderedAt={Date.now()} />
  );
}
