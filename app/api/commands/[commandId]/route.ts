import { getCommandRow, toCommandItem } from "@/lib/control/commands";
import { apiRoute, notFound } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** A command's state: queued, delivered, applied, failed (with the reason) or expired. */
export const GET = apiRoute<{ commandId: string }>(async (_request, { commandId }) => {
  const row = getCommandRow(commandId);
  return row ? Response.json({ command: toCommandItem(row) }) : notFound(`command ${commandId}`);
});
