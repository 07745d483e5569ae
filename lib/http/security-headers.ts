import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

/** The request header that hands this response's script nonce to the root layout. */
export const NONCE_HEADER = "x-nonce";

const NONCE_BYTES = 16;
const HSTS_MAX_AGE_S = 365 * 24 * 60 * 60;

/**
 * The dashboard's Content-Security-Policy. Scripts come from this origin or carry the response's
 * nonce (Next puts it on its own inline scripts, read from the request's CSP header); images only
 * from here or data: URLs, so Markdown a model printed cannot make viewers fetch another host.
 * Styles stay 'unsafe-inline': charts and rows set `style` attributes, and styles cannot run code.
 * React's dev build needs eval to rebuild server error stacks; production never does.
 */
function contentSecurityPolicy(nonce: string, dev: boolean): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}'${dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "media-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** Whether the browser reached us over https (server.ts has already normalised the header). */
function servedOverHttps(req: IncomingMessage) {
  const proto = req.headers["x-forwarded-proto"];
  const first = (Array.isArray(proto) ? proto[0] : proto)?.split(",")[0]?.trim().toLowerCase();
  return first === "https";
}

/**
 * Security headers on every response the server writes, set before Next or the /events fast path
 * answers. A fresh nonce goes into the policy and, replacing anything the client sent, into the
 * request's CSP and NONCE_HEADER headers, which is where Next and the root layout look for it.
 */
export function applySecurityHeaders(req: IncomingMessage, res: ServerResponse, opts: { dev: boolean }) {
  const nonce = randomBytes(NONCE_BYTES).toString("base64");
  const policy = contentSecurityPolicy(nonce, opts.dev);
  req.headers["content-security-policy"] = policy;
  delete req.headers["content-security-policy-report-only"];
  req.headers[NONCE_HEADER] = nonce;
  res.setHeader("Content-Security-Policy", policy);
  res.setHeader("X-Frame-Options", "DENY");
  res.setHeader("X-Content-Type-Options", "nosniff");
  // Not "no-referrer": with it, browsers send `Origin: null` on the dashboard's own POSTs.
  res.setHeader("Referrer-Policy", "same-origin");
  // Browsers ignore HSTS over plain http; sent only when the page really came over https.
  if (servedOverHttps(req)) res.setHeader("Strict-Transport-Security", `max-age=${HSTS_MAX_AGE_S}`);
}
