import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The dashboard's own folder (package.json, plugin/, data/ by default), wherever the process was
 * started from: `cd / && node /srv/ocd/dist/server.js` must find the same files as `npm start`.
 * Found by walking up from this module to package.json. That works in each form the module runs
 * in: the sources (tsx), dist/server.js (esbuild keeps import.meta.url), and Next's route bundles
 * (Turbopack resolves import.meta.url against the project root at run time, not at build time).
 */
function findAppDir(): string {
  const start = path.dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "package.json"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${start}: cannot tell the app's folder`);
  }
}

export const APP_DIR = findAppDir();
