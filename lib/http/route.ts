import type { z } from "zod";
import { authenticateApi } from "@/lib/auth/api-auth";
import { jsonError } from "@/lib/http/errors";
import { getLog } from "@/lib/log";
import { bodyTooLarge, readBodyLimited } from "./body";
import { isCrossSiteWrite } from "./same-origin";
import { sessionIdSchema } from "@/lib/sessions/id";

type Context<P> = { params: Promise<P> };

/**
 * Wraps every /api handler: authenticate first, then run it; an exception becomes a JSON 500
 * (and a log line) instead of Next's HTML error page, so callers always get `{ error }`.
 */
export function apiRoute<P = Record<string, never>>(handler: (request: Request, params: P) => Promise<Response>) {
  return async (request: Request, context: Context<P>): Promise<Response> => {
    const auth = await authenticateApi(request);
    if (!auth.ok && auth.status === 429) {
      const { retryAfter } = auth;
      return jsonError(429, auth.code, auth.message, { retryAfter }, { "retry-after": String(retryAfter) });
    }
    if (!auth.ok) return jsonError(auth.status, auth.code, auth.message);
    if (auth.via === "session" && isCrossSiteWrite(request)) {
      return jsonError(403, "cross_origin", "this change must come from the dashboard's own pages (Origin check)");
    }
    try {
      const params = await context.params;
      const badId = checkPathIds(params);
      if (badId) return badId;
      return await handler(request, params);
    } catch (error) {
      getLog().error({ err: error, url: request.url }, "api request failed");
      return jsonError(500, "internal_error", "the server could not answer this request; see its log");
    }
  };
}

/**
 * Every id in an /api path (session, permission, question, command) has OpenCode's shape (the
 * dashboard's command ids too): anything else is a 400 naming the parameter, not a lookup that
 * echoes 10 KB of it back in a 404.
 */
function checkPathIds(params: unknown): Response | null {
  if (typeof params !== "object" || params === null) return null;
  for (const [name, value] of Object.entries(params)) {
    if (typeof value !== "string") continue; // a catch-all's segments are no id
    const id = sessionIdSchema.safeParse(value);
    if (!id.success) {
      return jsonError(400, "invalid_parameter", `${name}: ${id.error.issues[0].message}`, { field: name });
    }
  }
  return null;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; response: Response };

/** Query parameters through a zod schema; the first problem is named in the 400 (`limit: must be at most 200`). */
export function parseQuery<S extends z.ZodType>(request: Request, schema: S): Parsed<z.output<S>> {
  const query = Object.fromEntries(new URL(request.url).searchParams);
  const result = schema.safeParse(query);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  const field = issue.path.map(String).join(".") || "query";
  return { ok: false, response: jsonError(400, "invalid_parameter", `${field}: ${issue.message}`, { field }) };
}

export function notFound(what: string) {
  return jsonError(404, "not_found", `${what} was not found`);
}

/** The largest JSON body a route reads: a prompt of 32 KB, escaped, fits well within it. */
const MAX_JSON_BODY_BYTES = 256 * 1024;

/** A JSON body through a zod schema; the first problem is named in the 400 (`reply: must be …`). */
export async function parseBody<S extends z.ZodType>(request: Request, schema: S): Promise<Parsed<z.output<S>>> {
  const type = request.headers.get("content-type") ?? "";
  const body = await readBodyLimited(request, MAX_JSON_BODY_BYTES);
  if ("tooLarge" in body) return { ok: false, response: bodyTooLarge(MAX_JSON_BODY_BYTES) };
  if ("notUtf8" in body) {
    return {
      ok: false,
      response: jsonError(400, "invalid_json", "body is not valid UTF-8 (JSON must be sent in UTF-8)"),
    };
  }
  let json: unknown = {};
  if (body.text.trim() !== "") {
    if (!/^application\/json\b/i.test(type)) {
      return { ok: false, response: jsonError(415, "unsupported_media_type", "Content-Type must be application/json") };
    }
    try {
      json = JSON.parse(body.text);
    } catch (error) {
      return {
        ok: false,
        response: jsonError(400, "invalid_json", `body is not valid JSON: ${(error as Error).message}`),
      };
    }
  }
  const result = schema.safeParse(json);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  const field = issue.path.map(String).join(".") || "body";
  return { ok: false, response: jsonError(400, "invalid_body", `${field}: ${issue.message}`, { field }) };
}
