import type { Metadata } from "next";
import { headers } from "next/headers";
import { requireSignedIn } from "@/lib/auth/page-guard";
import { packState } from "@/lib/sessions/active";
import { loadBoard } from "@/lib/sessions/pages";
import { parseBoardView } from "@/lib/sessions/views";
import { AttentionSignals } from "../_components/board/attention-signals";
import { Board } from "../_components/board/board";
import { SetupSteps } from "../_components/board/setup-steps";

export const dynamic = "force-dynamic";

/** The board renders its own title and icon with the blocked count (../_components/board/attention-signals.tsx). */
export const metadata: Metadata = { title: null, icons: null };

export default async function BoardPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requireSignedIn("/");
  const view = parseBoardView(await searchParams);
  const board = await loadBoard(view);
  if (board.kind === "setup") {
    const h = await headers();
    const origin = `${h.get("x-forwarded-proto") ?? "http"}://${h.get("host") ?? "localhost:3000"}`;
    return (
      <>
        <AttentionSignals blocked={0} />
        <SetupSteps origin={origin} apiKey={board.apiKey} version={board.version} />
      </>
    );
  }
  return (
    <>
      {/* Each page has one h1; the board's would only repeat the Sessions tab, so it is for screen readers. */}
      <h1 className="sr-only">Sessions</h1>
      <Board
        initial={board.initial}
        blocked={board.blocked}
        states={board.states.map(packState)}
        hosts={board.hosts}
        hostClocks={board.hostClocks}
        view={view}
        version={board.version}
        renderedAt={Date.now()}
      />
    </>
  );
}
