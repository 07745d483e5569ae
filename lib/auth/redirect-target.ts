/** Stands in for the dashboard's origin when the real one is not at hand (a page's own links). */
const OWN_ORIGIN = "http://dashboard.invalid";

/**
 * Where to send a browser after signing in: a path on this dashboard, or "/" when the value would
 * leave it. The value is parsed the way a browser resolves a Location header (`/\evil`, `//evil`,
 * tabs and newlines inside the scheme all lead elsewhere) and the normalised path is returned, so
 * what is checked is exactly what the browser will follow. Absolute URLs pass only when `origin`
 * is given and they point at it.
 */
export function sameOriginPath(value: unknown, origin: string = OWN_ORIGIN): string {
  const target = Array.isArray(value) ? value[0] : value;
  if (typeof target !== "string" || target === "") return "/";
  let url: URL;
  try {
    url = new URL(target, origin);
  } catch {
    return "/";
  }
  if (url.origin !== new URL(origin).origin) return "/";
  return url.pathname + url.search + url.hash;
}
