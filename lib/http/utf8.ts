/** What a body reader gives back: the text, or why there is none. */
export type BodyText = { text: string } | { tooLarge: true } | { notUtf8: true };

/**
 * A body's bytes as UTF-8 text (JSON's own encoding), a leading byte order mark dropped (RFC 8259
 * lets a parser ignore one). Bytes that are not UTF-8 would otherwise be stored as U+FFFD, garbled
 * for good; they are refused instead.
 */
export function decodeUtf8(bytes: Uint8Array): BodyText {
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch {
    return { notUtf8: true };
  }
}
