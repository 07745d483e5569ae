import { timelineParams } from "@/lib/sessions/params";
import { apiRoute, notFound, parseQuery } from "@/lib/http/route";
import { getSessionDetail } from "@/lib/sessions/detail";
import { deleteSessionTree } from "@/lib/sessions/commands";

export const dynamic = "force-dynamic";

/** One session: messages, a page of its timeline, children, pending prompts, todos, file changes. */
export const GET = apiRoute<{ id: string }>(async (request, { id }) => {
  const query = parseQuery(request, timelineParams);
  if (!query.ok) return query.response;
  const detail = await getSessionDetail(id, query.value);
  return detail ? Response.json(detail) : notFound(`session ${id}`);
});

/** Deletes the session and its subagents for good; dashboards are told to drop them. */
export const DELETE = apiRoute<{ id: string }>(async (_request, { id }) => {
  const deleted = deleteSessionTree(id);
  return deleted ? Response.json({ deleted }) : notFound(`session ${id}`);
});
