// The boundary check (`npm run lint:boundaries`): the module rules of .dependency-cruiser.cjs, then
// folder cycles among lib/'s top-level folders, over one cruise of the code. dependency-cruiser has
// no rule for cycles between folders of our choosing (its `scope: "folder"` takes every folder as it
// is), so each lib/ module is folded here into its top-level folder (FOLDER, a pattern `depcruise
// --collapse` takes too, to draw the same graph) and any strongly connected group of two or more is
// a cycle. lib/realtime/changes.ts stays a node of its own: the subjects may name what ingest
// reports, while lib/realtime/publisher.ts imports the subjects.
import { cruise, format } from "dependency-cruiser";
import extractDepcruiseOptions from "dependency-cruiser/config-utl/extract-depcruise-options";
import extractTSConfig from "dependency-cruiser/config-utl/extract-ts-config";

const ROOTS = ["app", "lib", "server.ts", "proxy.ts", "next.config.ts", "tests", "bench", "scripts", "plugin"];
const FOLDER = "^lib/[^/]+";

const options = await extractDepcruiseOptions("./.dependency-cruiser.cjs");
const tsConfig = extractTSConfig(options.tsConfig.fileName);
const { output: result } = await cruise(ROOTS, options, {}, { tsConfig });

const rules = await format(result, { outputType: "err" });
process.stdout.write(rules.output);

// Type-only imports vanish when compiled, so they cannot tangle start-up order; lib/runtime.ts
// names every registered type that way. A module whose only lib/ imports (if any) are the root
// files (config, log, runtime) cannot close a cycle through its folder, so it stays a node of its
// own (as does one that imports only such modules): lib/realtime/changes.ts (ingest and the subjects report changes there while the publisher
// imports the subjects), lib/tts/voices.ts (a list config validates against), lib/http's address
// helpers (used by auth while lib/http/route.ts authenticates).
const ROOT_FILE = /^lib\/[^/]+\.ts$/;
const valueDeps = (cruised) => cruised.dependencies.filter((d) => !d.dependencyTypes.some((t) => t.startsWith("type")));
const standalone = new Set();
for (let grew = true; grew;) {
  grew = false;
  for (const m of result.modules) {
    if (!m.source.startsWith("lib/") || ROOT_FILE.test(m.source) || standalone.has(m.source)) continue;
    const leaf = valueDeps(m).every(
      (d) => !d.resolved.startsWith("lib/") || ROOT_FILE.test(d.resolved) || standalone.has(d.resolved),
    );
    if (leaf) grew = standalone.add(m.source) !== undefined;
  }
}
const folderOf = (path) => (standalone.has(path) ? path : new RegExp(FOLDER).exec(path)?.[0]);
/** lib/ folder → lib/ folder → the module imports that make that edge. */
const edges = new Map();
for (const cruised of result.modules) {
  const from = folderOf(cruised.source);
  for (const dependency of valueDeps(cruised)) {
    const to = folderOf(dependency.resolved);
    if (!from || !to || from === to) continue;
    if (!edges.has(from)) edges.set(from, new Map());
    const imports = edges.get(from).get(to) ?? new Set();
    edges.get(from).set(to, imports.add(`${cruised.source} → ${dependency.resolved}`));
  }
}
const graph = new Map([...edges].map(([from, targets]) => [from, [...targets.keys()]]));
const cycles = stronglyConnected(graph).filter((group) => group.length > 1);
for (const group of cycles) {
  console.log(`  error no-folder-cycle: ${group.join(", ")} reach each other:`);
  for (const from of group)
    for (const [to, imports] of edges.get(from) ?? [])
      if (group.includes(to)) console.log(`      ${from} → ${to}: ${[...imports].join(", ")}`);
}
console.log(
  cycles.length
    ? `\nx ${cycles.length} folder cycle(s) in lib/.`
    : `✔ no folder cycles among lib/'s top-level folders.`,
);
process.exitCode = rules.exitCode || (cycles.length ? 1 : 0);

/** Tarjan's algorithm: the strongly connected components of a graph given as adjacency lists. */
function stronglyConnected(graph) {
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const groups = [];
  const visit = (node) => {
    index.set(node, index.size);
    low.set(node, index.get(node));
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node), low.get(next)));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node), index.get(next)));
    }
    if (low.get(node) !== index.get(node)) return;
    const group = [];
    let member;
    do {
      member = stack.pop();
      onStack.delete(member);
      group.push(member);
    } while (member !== node);
    groups.push(group.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return groups;
}
