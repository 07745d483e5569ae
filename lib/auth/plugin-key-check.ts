import { runtime } from "../runtime";
import { FailureLimit } from "./failure-limit";
import { isPluginKey } from "./secrets";

/**
 * Wrong plugin keys per client address at the plugin's doors (POST /events, the /control
 * upgrade). More generous than the password's limit: a machine left with an old key retries about
 * once a minute from each OpenCode process, and a limited plugin only waits (it keeps its events
 * and retries after Retry-After), but a script can no longer try keys as fast as it can send.
 */
const MAX_FAILURES = 30;
const WINDOW_MS = 60_000;

const limit: FailureLimit = (runtime.limits.pluginKeyFailures ??= new FailureLimit(MAX_FAILURES, WINDOW_MS));

export type PluginKeyCheck =
  { result: "accepted" } | { result: "rejected" } | { result: "limited"; retryAfter: number };

/** While a client is limited the key is not even compared, so the right one is refused too. */
export function checkPluginKey(given: string | null | undefined, client: string): PluginKeyCheck {
  const wait = limit.retryAfterSeconds(client);
  if (wait > 0) return { result: "limited", retryAfter: wait };
  if (isPluginKey(given)) return { result: "accepted" };
  limit.recordFailure(client);
  return { result: "rejected" };
}

/** What a limited plugin is told, at either door. */
export function pluginKeyLimitedMessage(retryAfter: number) {
  return `Too many wrong API keys from this address. Try again in ${retryAfter} s.`;
}
