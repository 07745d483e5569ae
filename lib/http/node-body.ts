import type { IncomingMessage } from "node:http";

/** Reads a Node request body as text, refusing more than `limit` bytes without buffering them all. */
export function readNodeBody(req: IncomingMessage, limit: number): Promise<{ text: string } | { tooLarge: true }> {
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
    req.on("end", () => !over && resolve({ text: Buffer.concat(chunks).toString("utf8") }));
    req.on("error", reject);
  });
}
