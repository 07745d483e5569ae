import { sessionListParams } from "@/lib/sessions/params";
import { apiRoute, parseQuery } from "@/lib/http/route";
import { listSessionsForApi } from "@/lib/sessions/list";

export const dynamic = "force-dynamic";

/** The board's session list: filters, full-text search, keyset pages newest activity first. */
export const GET = apiRoute(async (request) => {
  const query = parseQuery(request, sessionListParams);
  if (!query.ok) return query.response;
  return Response.json(await listSessionsForApi(query.value));
});
