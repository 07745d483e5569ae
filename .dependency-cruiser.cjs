// The direction of lib/ (README "Checks"): db <- subjects <- ingest / publisher / routes / pages.
// Paths are relative to the repository root. Folder cycles among lib/'s top-level folders are
// checked by scripts/check-folder-cycles.mjs over this same graph (dependency-cruiser has no rule
// for cycles on a collapsed graph).

/** What a subject may import besides its own folder and other subjects. */
const SUBJECT_ALLOWED = ["db/", "http/", "config\\.ts$", "log\\.ts$", "runtime\\.ts$", "realtime/changes\\.ts$"];
const SUBJECTS = ["sessions", "instances", "analytics", "control"];
/** What ingest may import besides itself. */
const INGEST_ALLOWED = [
  "ingest/",
  "db/",
  "realtime/changes\\.ts$",
  "auth/",
  "metrics/",
  "config\\.ts$",
  "log\\.ts$",
  "runtime\\.ts$",
  "http/",
  // One shape for OpenCode's ids, at the edge and in the routes.
  "sessions/id\\.ts$",
  // One reading of what a permission is for: the attention detail and the pages agree.
  "sessions/blocking-context\\.ts$",
];
/** Our own code outside lib/: anything lib/ must never reach into. */
const OUTSIDE_LIB = "^(app|tests|bench|scripts|plugin)/|^(server|proxy)\\.ts$";

const underLib = (parts) => `^lib/(${parts.join("|")})`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment:
        "A module cycle: one of them should not know about the other. Type-only imports vanish when compiled (lib/runtime.ts names what it registers that way), so they do not count.",
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ["type-only"] } },
    },
    {
      name: "lib-not-outside",
      severity: "error",
      comment: "lib/ is imported by the app, the server and the tests, never the other way round.",
      from: { path: "^lib/" },
      to: { path: OUTSIDE_LIB },
    },
    {
      name: "db-only-config",
      severity: "error",
      comment:
        "lib/db is the connection, schema, migrations and upkeep: it imports only lib/config.ts " +
        "(never lib/runtime.ts, which imports db).",
      from: { path: "^lib/db/" },
      to: { path: "^lib/", pathNot: "^lib/(db/|config\\.ts$)" },
    },
    {
      name: "subject-imports",
      severity: "error",
      comment:
        "A subject (sessions, instances, analytics, control) imports db, http, config, log, runtime, " +
        "realtime/changes and other subjects; never ingest, the hub or publisher, or auth/tts/metrics.",
      from: { path: underLib(SUBJECTS) + "/", pathNot: "^lib/control/upgrade\\.ts$" },
      to: { path: "^lib/", pathNot: underLib([...SUBJECT_ALLOWED, ...SUBJECTS.map((s) => `${s}/`)]) },
    },
    {
      name: "control-door",
      severity: "error",
      comment:
        "Control's WebSocket door (lib/control/upgrade.ts) checks the plugin key, as POST /events does; " +
        "nothing else in a subject reads secrets.",
      from: { path: underLib(SUBJECTS) + "/", pathNot: "^lib/control/upgrade\\.ts$" },
      to: { path: "^lib/auth/secrets\\.ts$" },
    },
    {
      name: "ingest-imports",
      severity: "error",
      comment:
        "Ingest imports db, realtime/changes, auth, metrics, http, config, log, runtime and the id shape " +
        "(sessions/id.ts) and what a permission is for (sessions/blocking-context.ts); never the " +
        "hub, the publisher or the socket code (they listen to what ingest reports).",
      from: { path: "^lib/ingest/" },
      to: { path: "^lib/", pathNot: underLib(INGEST_ALLOWED) },
    },
    {
      name: "changes-only-db-types",
      severity: "error",
      comment: "lib/realtime/changes.ts is a leaf: it names db row types and imports nothing else.",
      from: { path: "^lib/realtime/changes\\.ts$" },
      to: { path: "^lib/", pathNot: "^lib/db/" },
    },
    {
      name: "changes-db-types-only",
      severity: "error",
      comment: "lib/realtime/changes.ts imports lib/db for types only (`import type`).",
      from: { path: "^lib/realtime/changes\\.ts$" },
      to: { path: "^lib/db/", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "plugin-self-contained",
      severity: "error",
      comment: "The plugin is copied into OpenCode's plugin folder on its own: it imports only packages.",
      from: { path: "^plugin/" },
      to: { path: "^(app|lib|tests|bench|scripts)/|^[^/]+\\.ts$" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(\\.next|dist|data|node_modules)/" },
    // `import type` counts: a type-only import still ties two folders together.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".tsx", ".js", ".mjs", ".cjs", ".d.ts"],
    },
    skipAnalysisNotInRules: true,
  },
};
