/**
 * Opaque page cursors: the keyset of the last row a page returned. base64url JSON, so a client
 * cannot mistake it for something it should build itself; a cursor that does not decode is a 400.
 */
export type Keyset = { at: number; id: string | number };

export function encodeCursor(key: Keyset): string {
  return Buffer.from(JSON.stringify([key.at, key.id])).toString("base64url");
}

export function decodeCursor(cursor: string): Keyset | null {
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (!Array.isArray(value) || value.length !== 2) return null;
    const [at, id] = value;
    if (typeof at !== "number" || !Number.isFinite(at)) return null;
    if (typeof id !== "string" && typeof id !== "number") return null;
    return { at, id };
  } catch {
    return null;
  }
}
