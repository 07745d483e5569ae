import { accessSync, constants, existsSync, statSync } from "node:fs";
import path from "node:path";
import { ownerAndMode, serverUser } from "../config";

/** A database file the server cannot use as it is; the message names the file and what to do. */
export class DatabaseOpenError extends Error {}

/** Why the database's folder is closed to writes (a read-only mount, or its permissions), if it is. */
function whyNotWritable(target: string): string | null {
  try {
    accessSync(target, constants.R_OK | constants.W_OK);
    return null;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EROFS") return `${target} is on a read-only file system`;
    if (code === "ENOENT") return null;
    return `${target} is not readable and writable by ${serverUser()}${ownerAndMode(target)}`;
  }
}

function isFolder(file: string): boolean {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Turns what SQLite says when it cannot open or write the database ("unable to open database
 * file", "file is not a database", "attempt to write a readonly database") into what is wrong
 * with which file and what to do about it. Nothing here changes the file.
 */
export function explainOpenFailure(file: string, error: unknown): DatabaseOpenError {
  const code = String((error as { code?: unknown }).code ?? "");
  const reason = (error as Error).message;
  const keep = "it was left as it is";
  if (code === "SQLITE_NOTADB") {
    return new DatabaseOpenError(
      `${file} is not a SQLite database (SQLite: ${reason}). Set DATABASE_URL to the dashboard's ` +
        `database file, or to a path where none exists yet for a new one; ${keep}`,
    );
  }
  if (code.startsWith("SQLITE_CORRUPT")) {
    return new DatabaseOpenError(
      `${file} is damaged (SQLite: ${reason}). Restore it from a backup (npm run backup makes ` +
        `them), or move it aside to start with an empty database; ${keep}`,
    );
  }
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) {
    return new DatabaseOpenError(
      `${file} is locked by another process (another dashboard on the same file, or a tool that ` +
        `holds it open); stop that process, then start the dashboard again`,
    );
  }
  if (code.startsWith("SQLITE_CANTOPEN") && isFolder(file)) {
    return new DatabaseOpenError(
      `${file} is a folder, not a database file: set DATABASE_URL to a file, such as ${path.join(file, "database.db")}`,
    );
  }
  if (code.startsWith("SQLITE_READONLY") || code.startsWith("SQLITE_CANTOPEN") || code.startsWith("SQLITE_PERM")) {
    const dir = path.dirname(file);
    const base = path.basename(file);
    // SQLite writes <file>-wal and <file>-shm beside the file, so the folder matters as much.
    const why =
      whyNotWritable(dir) ??
      [file, `${file}-wal`, `${file}-shm`]
        .filter((f) => existsSync(f))
        .map(whyNotWritable)
        .find((w) => w !== null) ??
      `SQLite: ${reason}`;
    return new DatabaseOpenError(
      `cannot open the database ${file} for writing: ${why}. The server needs to read and write ` +
        `${base}, ${base}-wal, ${base}-shm and their folder ${dir} (chown or chmod them for that ` +
        `user, or mount the folder read-write); ${keep}`,
    );
  }
  if (code.startsWith("SQLITE_FULL")) {
    return new DatabaseOpenError(`the disk that holds ${file} is full (SQLite: ${reason}); free some space`);
  }
  return new DatabaseOpenError(`cannot open the database ${file}: ${reason}`);
}

/** What openDatabase explains; anything else failing a migration is a migration's own failure. */
const FILE_PROBLEM = /^SQLITE_(NOTADB|CORRUPT|BUSY|LOCKED|READONLY|CANTOPEN|PERM|FULL)/;

/**
 * A migration that failed: a damaged file often shows itself only when a migration reads the
 * pages it needs, so that case reads as openDatabase's; otherwise the message, with the file.
 */
export function explainMigrationFailure(file: string, error: unknown): DatabaseOpenError {
  const cause = (error as Error).cause ?? error;
  if (FILE_PROBLEM.test(String((cause as { code?: unknown }).code ?? ""))) return explainOpenFailure(file, cause);
  return new DatabaseOpenError(`${file}: ${(error as Error).message}`);
}
