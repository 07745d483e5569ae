// Run by the Dockerfile's build stage, in the app folder, after `npm run build` (with
// NEXT_OUTPUT=standalone) and `npm prune --omit=dev`: deletes what the running server never loads,
// so that the image ships under 200 MB of app instead of about a gigabyte.
//  1. Packages: keeps those the server can reach and their dependencies. The server's imports
//     come from esbuild's metafile (dist/server.meta.json), the routes' from Next's own traces
//     (.next/**/*.nft.json). Whole packages, not traced files, so that files a package finds at
//     run time (Kokoro's voices, onnxruntime's shared library) stay. What Turbopack bundled into
//     .next (react-markdown, recharts, …) goes, and so do the packages in BUILD_ONLY.
//  2. Inside the packages kept: the files in TRIMS, each with its reason. `next` itself is cut to
//     the files Next traces for its server (NEXT_STARTUP adds what a custom server's start reads).
//  3. In .next: the build cache and the standalone copy.
// Prints what it removed by reason, and the sizes left.
import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync, rmSync } from "node:fs";
import path from "node:path";

const app = process.cwd();
const modules = path.join(app, "node_modules");
const MB = 1024 * 1024;

/** Packages the dependency graph reaches but the running server never loads. */
const BUILD_ONLY = [
  // SWC compiles the app during `next build`. At run time Next would use it only to transpile
  // next.config.ts, and the image ships next.config.js (compiled in the build stage) instead.
  { match: (name) => name.startsWith("@next/swc-"), why: "Next's compiler, used by `next build` only" },
  // transformers.js's Node build (dist/transformers.node.mjs) runs models on onnxruntime-node; its
  // import of onnxruntime-web is compiled out ("onnxruntime-web (ignored)").
  { match: (name) => name === "onnxruntime-web", why: "the browser's ONNX runtime" },
];

/**
 * Files of next that a custom server's start needs beyond Next's trace: the trace is made for
 * Next's standalone server.js, which skips loading next.config (its config is inlined), while
 * server.ts's next() loads it, and that resolves these (next/dist/server/config-utils.js).
 */
const NEXT_STARTUP = ["dist/compiled/webpack", "dist/compiled/@babel/runtime/package.json"];

const removed = [];

/** Size in bytes, not following symlinks. */
function sizeOf(target) {
  const stat = lstatSync(target);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(target).reduce((sum, name) => sum + sizeOf(path.join(target, name)), 0);
}

function remove(target, why) {
  if (!existsSync(target)) return;
  removed.push({ bytes: sizeOf(target), why });
  rmSync(target, { recursive: true, force: true });
}

function walk(dir, visit) {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const child = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(child, visit);
    else visit(child);
  }
}

/** The package folder (…/node_modules/name or …/node_modules/@scope/name) that holds a file. */
const packageDirOf = (file) => /^(.*\/node_modules\/(?:@[^/]+\/)?[^/]+)/.exec(file)?.[1];
const nameOf = (dir) => dir.slice(dir.lastIndexOf("/node_modules/") + "/node_modules/".length);
const packageName = (specifier) =>
  specifier
    .split("/")
    .slice(0, specifier.startsWith("@") ? 2 : 1)
    .join("/");

/** Node's lookup of package `name` from inside `fromDir`: the nearest node_modules/name, up to the app. */
function resolvePackage(name, fromDir) {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "node_modules", name);
    if (existsSync(path.join(candidate, "package.json"))) return candidate;
    if (dir === app || dir === path.dirname(dir)) return undefined;
  }
}

// ---- 1. packages ----
const roots = new Set();
const metafile = JSON.parse(readFileSync(path.join(app, "dist/server.meta.json"), "utf8"));
for (const output of Object.values(metafile.outputs)) {
  for (const { path: specifier, external } of output.imports) {
    if (!external || specifier.startsWith("node:") || specifier.startsWith(".")) continue;
    const dir = resolvePackage(packageName(specifier), app);
    if (dir) roots.add(dir);
  }
}

const traces = [];
walk(path.join(app, ".next"), (file) => file.endsWith(".nft.json") && traces.push(file));
const tracedNext = new Set();
for (const trace of traces) {
  for (const file of JSON.parse(readFileSync(trace, "utf8")).files) {
    const absolute = path.resolve(path.dirname(trace), file);
    if (!existsSync(absolute)) continue;
    // .next/node_modules holds Turbopack's links to externals (better-sqlite3-<hash> → node_modules/…).
    const real = realpathSync(absolute);
    const dir = packageDirOf(real);
    if (dir?.startsWith(modules + path.sep)) roots.add(dir);
    if (dir === path.join(modules, "next")) tracedNext.add(real);
  }
}
// Only a standalone build traces next/dist/server/next, the entry server.ts starts Next through.
if (!tracedNext.has(path.join(modules, "next/dist/server/next.js")))
  throw new Error("Next's trace lacks next/dist/server/next.js: build with NEXT_OUTPUT=standalone");
for (const extra of NEXT_STARTUP) {
  const target = path.join(modules, "next", extra);
  if (lstatSync(target).isDirectory()) walk(target, (file) => tracedNext.add(file));
  else tracedNext.add(target);
}

const buildOnly = (dir) => BUILD_ONLY.find((rule) => rule.match(nameOf(dir)));
const keep = new Set();
const queue = [...roots];
while (queue.length > 0) {
  const dir = queue.pop();
  if (keep.has(dir) || buildOnly(dir)) continue;
  keep.add(dir);
  const manifest = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));
  const names = Object.keys({
    ...manifest.dependencies,
    ...manifest.optionalDependencies,
    ...manifest.peerDependencies,
  });
  for (const name of names) {
    const found = resolvePackage(name, dir);
    if (found) queue.push(found);
  }
}

/** Every package folder under a node_modules folder, nested ones included. */
function packageDirs(nodeModules, found = []) {
  if (!existsSync(nodeModules)) return found;
  for (const entry of readdirSync(nodeModules, { withFileTypes: true })) {
    if (entry.name.startsWith(".") || !entry.isDirectory()) continue;
    const child = path.join(nodeModules, entry.name);
    for (const dir of entry.name.startsWith("@") ? readdirSync(child).map((n) => path.join(child, n)) : [child]) {
      found.push(dir);
      packageDirs(path.join(dir, "node_modules"), found);
    }
  }
  return found;
}

for (const dir of packageDirs(modules)) {
  if (!keep.has(dir))
    remove(dir, buildOnly(dir)?.why ?? "packages not loaded at run time (bundled into .next, or build tools)");
}
// Links to the commands of build tools, and npm's record of the tree as it was.
remove(path.join(modules, ".bin"), "npm's command links and record of the full tree");
remove(path.join(modules, ".package-lock.json"), "npm's command links and record of the full tree");

// ---- 2. inside the packages kept ----
const platform = `${process.platform}/${process.arch}`;
const TRIMS = [
  {
    // Next traces what its own server loads (as for `output: "standalone"`); the rest of the
    // package is the compiler's side, development runtimes, and ES-module copies for bundlers.
    why: "parts of next its server never loads (by Next's own trace)",
    apply: (why) => walk(path.join(modules, "next"), (file) => tracedNext.has(file) || remove(file, why)),
  },
  {
    why: "other platforms' onnxruntime binaries (the image runs on the platform it is built on)",
    apply: (why) => {
      const napi = path.join(modules, "onnxruntime-node/bin/napi-v3");
      if (!existsSync(napi)) return;
      for (const os of readdirSync(napi))
        for (const arch of readdirSync(path.join(napi, os)))
          if (`${os}/${arch}` !== platform) remove(path.join(napi, os, arch), why);
    },
  },
  {
    // The binding links libonnxruntime.so.1 (its SONAME); the versioned file is a byte-for-byte copy.
    why: "a second copy of libonnxruntime under its full version number",
    apply: (why) => {
      const dir = path.join(modules, "onnxruntime-node/bin/napi-v3", platform);
      if (!existsSync(dir)) return;
      for (const name of readdirSync(dir))
        if (/^libonnxruntime\.so\.\d+\.\d+\.\d+$/.test(name)) remove(path.join(dir, name), why);
    },
  },
  {
    // Under Node, "@huggingface/transformers" resolves to its Node build (package.json "exports").
    why: "transformers.js's browser and minified builds and its WebAssembly runtime",
    apply: (why) => {
      const dist = path.join(modules, "@huggingface/transformers/dist");
      if (!existsSync(dist)) return;
      for (const name of readdirSync(dist))
        if (!/^transformers\.node\.(mjs|cjs)$/.test(name)) remove(path.join(dist, name), why);
    },
  },
  {
    // `bindings` loads build/Release/better_sqlite3.node; the rest is SQLite's source and compiler output.
    why: "better-sqlite3's C sources and object files",
    apply: (why) => {
      const pkg = path.join(modules, "better-sqlite3");
      remove(path.join(pkg, "deps"), why);
      remove(path.join(pkg, "src"), why);
      walk(path.join(pkg, "build"), (file) => path.basename(file) === "better_sqlite3.node" || remove(file, why));
    },
  },
  {
    // Node reads source maps only when started with --enable-source-maps, which the image's CMD is not.
    why: "source maps",
    apply: (why) => {
      for (const dir of [modules, path.join(app, ".next/server")])
        walk(dir, (file) => file.endsWith(".map") && remove(file, why));
    },
  },
];
for (const trim of TRIMS) trim.apply(trim.why);

function removeEmptyDirs(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true }))
    if (entry.isDirectory()) removeEmptyDirs(path.join(dir, entry.name));
  if (readdirSync(dir).length === 0) rmSync(dir, { recursive: true });
}
removeEmptyDirs(modules);

// ---- 3. .next ----
remove(path.join(app, ".next/cache"), "Next's build cache");
remove(path.join(app, ".next/standalone"), "Next's standalone copy (server.ts is the entry point, not its server.js)");

// ---- report ----
const byReason = new Map();
for (const { why, bytes } of removed) byReason.set(why, (byReason.get(why) ?? 0) + bytes);
for (const [why, bytes] of [...byReason].sort((a, b) => b[1] - a[1]))
  console.log(`removed ${(bytes / MB).toFixed(1).padStart(6)} MB  ${why}`);
console.log(
  `kept ${keep.size} packages: node_modules ${(sizeOf(modules) / MB).toFixed(1)} MB, .next ${(sizeOf(path.join(app, ".next")) / MB).toFixed(1)} MB`,
);
