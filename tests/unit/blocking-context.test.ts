import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { permissionFacts, permissionSubject, questionsOf, splitError } from "../../lib/sessions/blocking-context";
import { combineFileChanges } from "../../lib/sessions/file-changes";

/**
 * How a blocking item reads (lib/sessions/blocking-context.ts) and how a session's changed files
 * are counted (lib/sessions/file-changes.ts). Payloads are shaped as OpenCode 1.18's tools send
 * them: bash (captured in /work/shared/opencode), external_directory and edit (its tool sources).
 */

const bash = { patterns: ["echo hi > out.txt"], metadata: { command: "echo hi > out.txt" }, always: ["echo *"] };
const external = {
  patterns: ["/etc/nginx/*"],
  always: ["/etc/nginx/*"],
  metadata: { filepath: "/etc/nginx/nginx.conf", parentDir: "/etc/nginx" },
};
const edit = {
  patterns: ["src/app.ts"],
  always: ["*"],
  metadata: {
    filepath: "/home/dev/shop/src/app.ts",
    diff: "--- src/app.ts\n+++ src/app.ts\n@@ -1,2 +1,3 @@\n-old line\n+new line\n+another\n same\n",
  },
};

describe("what a permission is for", () => {
  test("the command for bash, the file (not the glob) for a path, the patterns otherwise", () => {
    assert.equal(permissionSubject(bash.metadata, bash.patterns), "echo hi > out.txt");
    assert.equal(permissionSubject(external.metadata, external.patterns), "/etc/nginx/nginx.conf");
    assert.equal(permissionSubject(edit.metadata, edit.patterns), "/home/dev/shop/src/app.ts");
    assert.equal(permissionSubject({}, ["https://example.com/*"]), "https://example.com/*");
    assert.equal(permissionSubject(undefined, []), "");
  });

  test("its facts: file, directory, diff size, patterns", () => {
    assert.deepEqual(permissionFacts(external, "external_directory"), [
      { label: "File", value: "/etc/nginx/nginx.conf" },
      { label: "Directory", value: "/etc/nginx" },
      { label: "Pattern", value: "/etc/nginx/*" },
      { label: "Always allow would cover", value: "/etc/nginx/*" },
    ]);
    const facts = permissionFacts(edit, "edit");
    assert.deepEqual(
      facts.find((f) => f.label === "Change"),
      { label: "Change", value: "+2 −1 lines" },
    );
    assert.deepEqual(permissionFacts(null, "doom_loop"), [{ label: "Asks for", value: "doom_loop" }]);
  });
});

test("a question's options, as its request stores them; malformed items are left out", () => {
  const data = {
    questions: [
      {
        question: "Which color should the button be?",
        header: "Color",
        options: [
          { label: "Red", description: "warm" },
          { label: "Blue", description: "cool" },
        ],
      },
      { question: "Anything else?", options: [] },
      { header: "no question text" },
    ],
  };
  assert.deepEqual(questionsOf(data), [
    {
      question: "Which color should the button be?",
      header: "Color",
      options: [
        { label: "Red", description: "warm" },
        { label: "Blue", description: "cool" },
      ],
      multiple: false,
    },
    { question: "Anything else?", header: undefined, options: [], multiple: false },
  ]);
  assert.equal(questionsOf({ questions: [{ question: "Pick one", options: [], custom: false }] })[0].custom, false);
  assert.deepEqual(questionsOf("not json"), []);
});

test("an error's first line and the rest", () => {
  const bun = "TypeError: fetch failed\n    at fetch (native)\n    at processTicksAndRejections (native:7:39)\n";
  assert.deepEqual(splitError(bun), {
    headline: "TypeError: fetch failed",
    details: "at fetch (native)\nat processTicksAndRejections (native:7:39)",
  });
  assert.deepEqual(splitError("Bad request (fake)"), { headline: "Bad request (fake)", details: null });
  assert.deepEqual(splitError(null), { headline: "", details: null });
  assert.deepEqual(splitError("Failed\n\n  body:\n    nested"), { headline: "Failed", details: "body:\n  nested" });
});

describe("files changed", () => {
  test("a patch naming a file counts although OpenCode's summary says 0", () => {
    const changes = combineFileChanges({
      summary: { files: 0, additions: 0, deletions: 0 },
      diff: null,
      patches: [["out.txt"], ["out.txt"]],
    });
    assert.equal(changes?.files, 1);
    assert.deepEqual(changes?.list, [{ file: "out.txt", additions: null, deletions: null }]);
  });

  test("the diff's files and counts first, then files only a patch named; a capped diff's rest counts", () => {
    const changes = combineFileChanges({
      summary: { files: 53, additions: 9, deletions: 9 },
      diff: {
        time: 5,
        data: [
          { file: "a.ts", additions: 4, deletions: 1 },
          { file: "+2 more files", additions: 2, deletions: 0, more: 2 },
        ],
      },
      patches: [["a.ts", "b.ts"]],
    });
    assert.deepEqual(changes, {
      files: 4,
      additions: 6,
      deletions: 1,
      list: [
        { file: "a.ts", additions: 4, deletions: 1 },
        { file: "b.ts", additions: null, deletions: null },
      ],
      at: 5,
    });
  });

  test("only a summary: its numbers; nothing at all: null", () => {
    assert.deepEqual(
      combineFileChanges({ summary: { files: 2, additions: 3, deletions: 4 }, diff: null, patches: [] }),
      {
        files: 2,
        additions: 3,
        deletions: 4,
        list: null,
        at: null,
      },
    );
    assert.equal(combineFileChanges({ summary: null, diff: null, patches: [] }), null);
  });
});
