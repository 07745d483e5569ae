import { sessionExportParams } from "@/lib/sessions/params";
import { apiRoute, notFound, parseQuery } from "@/lib/http/route";
import { exportFileName, getSessionExport, sessionMarkdown } from "@/lib/sessions/export";

export const dynamic = "force-dynamic";

/** The whole session as a file to keep: JSON (everything) or Markdown (to read). */
export const GET = apiRoute<{ id: string }>(async (request, { id }) => {
  const query = parseQuery(request, sessionExportParams);
  if (!query.ok) return query.response;
  const data = await getSessionExport(id);
  if (!data) return notFound(`session ${id}`);
  const markdown = query.value.format === "markdown";
  return new Response(markdown ? sessionMarkdown(data) : JSON.stringify(data, null, 2), {
    headers: {
      "content-type": markdown ? "text/markdown; charset=utf-8" : "application/json; charset=utf-8",
      "content-disposition": `attachment; filename="${exportFileName(data.session, markdown ? "md" : "json")}"`,
    },
  });
});
