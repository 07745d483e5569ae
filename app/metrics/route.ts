import { jsonError } from "@/lib/http/errors";
import { authorizeMetrics } from "@/lib/metrics/access";
import { getMetrics } from "@/lib/metrics/registry";

export const dynamic = "force-dynamic";

/** Prometheus scrape endpoint (text exposition format). */
export async function GET(request: Request) {
  const access = authorizeMetrics(request.headers);
  if (!access.ok && access.status === 429) {
    const { retryAfter } = access;
    return jsonError(429, access.code, access.message, { retryAfter }, { "retry-after": String(retryAfter) });
  }
  if (!access.ok)
    return jsonError(access.status, access.code, access.message, undefined, { "www-authenticate": "Bearer" });
  const { registry } = getMetrics();
  return new Response(await registry.metrics(), {
    headers: { "content-type": registry.contentType, "cache-control": "no-store" },
  });
}
