// The first step of `npm test`: the system packages the tests use, installed when they can be.
// Browser tests drive Debian's Chromium (tests/support/browser.ts: CHROMIUM_PATH, else
// /usr/bin/chromium), the speech tests run espeak-ng and the TUI test runs OpenCode's TUI under
// tmux (tests/integration/control-tui.test.ts), both from PATH. Missing any, as root with
// apt-get, this installs them; otherwise it stops the run before anything starts, with one message
// saying what to install and how, rather than letting every browser test throw on launch.
import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import path from "node:path";

const chromiumPath = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
/** Debian package → how to tell it is there, and where it was looked for. */
const PACKAGES = {
  chromium: { found: () => executable(chromiumPath), where: chromiumPath },
  "espeak-ng": { found: () => onPath("espeak-ng"), where: "espeak-ng on PATH" },
  tmux: { found: () => onPath("tmux"), where: "tmux on PATH" },
};

function executable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name) {
  return (process.env.PATH ?? "").split(path.delimiter).some((dir) => dir && executable(path.join(dir, name)));
}

const missingPackages = () => Object.keys(PACKAGES).filter((name) => !PACKAGES[name].found());

function stop(missing, why) {
  const list = missing.map((name) => `${name} (${PACKAGES[name].where})`).join(", ");
  process.stderr.write(
    `The tests need Debian's chromium, espeak-ng and tmux; missing: ${list}${why ? ` ${why}` : ""}. ` +
      `Install them with \`sudo apt-get install -y chromium espeak-ng tmux\` and run the tests again ` +
      `(set CHROMIUM_PATH for a Chromium installed elsewhere).\n`,
  );
  process.exit(1);
}

function apt(args) {
  const result = spawnSync("apt-get", args, {
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  return result.status === 0;
}

const missing = missingPackages();
if (missing.length > 0) {
  if (process.getuid?.() !== 0 || !onPath("apt-get")) stop(missing);
  process.stdout.write(`Installing ${missing.join(" and ")} for the tests (apt-get)…\n`);
  if (!apt(["update", "-qq"]) || !apt(["install", "-y", "-qq", ...missing])) stop(missing, "(apt-get failed)");
  const still = missingPackages();
  if (still.length > 0) stop(still, "(still missing after apt-get install)");
}
