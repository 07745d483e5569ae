/** Every error a route answers has this one shape: `{ error: { code, message } }`. */
export function jsonError(
  status: number,
  code: string,
  message: string,
  extra?: Record<string, unknown>,
  headers?: HeadersInit,
) {
  return Response.json({ error: { code, message }, ...extra }, { status, headers });
}
