import type { ConflictField } from "../metrics/registry";

/**
 * An event that contradicts what is stored: a message claimed by a second session, a session id
 * sent by a second host. Applying it would move totals or mix two sessions' fields, so it is
 * refused whole (./batch.ts reports it by index, naming the field) and counted.
 */
export class EventConflict extends Error {
  constructor(
    readonly field: ConflictField,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}
