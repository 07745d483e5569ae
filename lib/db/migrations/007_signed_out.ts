/**
 * Logins ended by signing out (lib/auth/sign-out.ts). A login session is a signed token the
 * browser keeps, valid until it expires; a copy taken before sign-out (another tab, a stolen
 * cookie) would otherwise stay good for up to 30 days. Rows older than that are pruned.
 */
export const statements: string[] = [
  `CREATE TABLE signed_out (
    login_id TEXT PRIMARY KEY,
    signed_out_at INTEGER NOT NULL
  ) WITHOUT ROWID`,
  `CREATE INDEX signed_out_by_time ON signed_out (signed_out_at)`,
];
