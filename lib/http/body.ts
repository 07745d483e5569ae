import { type BodyText, decodeUtf8 } from "./utf8";

/** Reads a request body as text, refusing more than `limit` bytes without buffering them all. */
export async function readBodyLimited(request: Request, limit: number): Promise<BodyText> {
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared > limit) return { tooLarge: true };
  if (!request.body) return { text: "" };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return { tooLarge: true };
    }
    chunks.push(value);
  }
  return decodeUtf8(Buffer.concat(chunks));
}
