import { apiRoute } from "@/lib/http/route";
import { jsonError } from "@/lib/http/errors";

export const dynamic = "force-dynamic";

/** Unknown /api paths answer in the API's JSON error shape, not with the HTML 404 page. */
const unknown = apiRoute(async (request) =>
  jsonError(404, "not_found", `no API route ${new URL(request.url).pathname}`),
);
export { unknown as GET, unknown as POST, unknown as PUT, unknown as PATCH, unknown as DELETE };
