// Compiles server.ts (and the lib/ code it imports) into dist/server.js; packages stay external.
// dist/server.meta.json (esbuild's metafile) lists the packages it imports, for
// scripts/prune-runtime.mjs, which keeps them in the Docker image.
import { writeFileSync } from "node:fs";
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

const result = await build({
  absWorkingDir: fileURLToPath(new URL("..", import.meta.url)),
  entryPoints: ["server.ts"],
  outfile: "dist/server.js",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  sourcemap: true,
  metafile: true,
  logLevel: "warning",
});
writeFileSync(new URL("../dist/server.meta.json", import.meta.url), JSON.stringify(result.metafile));
