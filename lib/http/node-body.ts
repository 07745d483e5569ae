import type { IncomingMessage } from "node:http";
import { type BodyText, decodeUtf8 } from "./utf8";

/** Reads a Node request body as text, refusing more than `limit` bytes without buffering them all. */
export function readNodeBody(req: IncomingMessage, limit: number): Promise<BodyText> {
  const declared = Number(req.headers["content-length"] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume(); // drain so the connection can be reused
    return Promise.resolve({ tooLarge: true });
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on("data", (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > limit) {
        over = true;
        resolve({ tooLarge: true });
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => !over && resolve(decodeUtf8(Buffer.concat(chunks))));
    req.on("error", reject);
  });
}
