import { runtime } from "../runtime";
import { FailureLimit } from "./failure-limit";

/** Failed sign-ins per client, at every door that takes the dashboard password (./password-check.ts). */
const MAX_FAILURES = 5;
const WINDOW_MS = 60_000;

const limit: FailureLimit = (runtime.limits.loginFailures ??= new FailureLimit(MAX_FAILURES, WINDOW_MS));

/** Seconds until this client may try again, or 0 when it may try now. */
export function retryAfterSeconds(client: string, now = Date.now()): number {
  return limit.retryAfterSeconds(client, now);
}

export function recordFailure(client: string, now = Date.now()) {
  limit.recordFailure(client, now);
}

export function recordSuccess(client: string) {
  limit.recordSuccess(client);
}
