import { getDb, getHub } from "../runtime";
import { SESSION_MAX_AGE_S } from "./session-secret";

const SESSION_MAX_AGE_MS = SESSION_MAX_AGE_S * 1000;

/**
 * Ends a login for good: its session token, and every copy of it, is refused from now on, and its
 * live sockets are closed. Kept until the longest-lived token of that login has expired anyway
 * (next-auth renews a token's expiry while it is used, but never past SESSION_MAX_AGE_S after its
 * last renewal).
 */
export async function endLogin(loginId: string, now = Date.now()) {
  const db = getDb().kysely;
  await db
    .insertInto("signed_out")
    .values({ login_id: loginId, signed_out_at: now })
    .onConflict((oc) => oc.doNothing())
    .execute();
  await db
    .deleteFrom("signed_out")
    .where("signed_out_at", "<", now - SESSION_MAX_AGE_MS)
    .execute();
  getHub()?.loginEnded(loginId);
}

export async function isLoginEnded(loginId: string): Promise<boolean> {
  const row = await getDb()
    .kysely.selectFrom("signed_out")
    .select("login_id")
    .where("login_id", "=", loginId)
    .executeTakeFirst();
  return row !== undefined;
}
