// Builds the app when there is no build yet, or when a source file is newer than the last build,
// so that `npm start` and `npm test` work on a fresh clone and after a pull.
import { execSync } from "node:child_process";
import { existsSync, readdirSync, statSync, utimesSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

// Paths below are the app's own, whatever directory this was started from.
process.chdir(fileURLToPath(new URL("..", import.meta.url)));

const stamp = "dist/server.js";
// Everything `npm run build` compiles: Next's app (with proxy.ts, its middleware) and the server bundle.
const sources = [
  "app",
  "lib",
  "public",
  "proxy.ts",
  "server.ts",
  "scripts/build-server.mjs",
  "next.config.ts",
  "package.json",
  "postcss.config.mjs",
  "tsconfig.json",
];

function newestMtime(entry) {
  if (!existsSync(entry)) return 0;
  const stat = statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(entry).map((name) => newestMtime(path.join(entry, name))));
}

const built = existsSync(stamp) && existsSync(".next/BUILD_ID") ? statSync(stamp).mtimeMs : 0;
if (built === 0 || Math.max(...sources.map(newestMtime)) > built) {
  console.log(built === 0 ? "No build yet: building…" : "Sources changed since the last build: rebuilding…");
  const started = new Date();
  execSync("npm run build", { stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  // The build is as new as the sources it read: a file saved while it ran is newer, and rebuilt next time.
  utimesSync(stamp, started, started);
}
