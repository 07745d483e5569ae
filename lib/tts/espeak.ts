import { execFile, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { espeakVoiceFor } from "./voices";

/** espeak-ng (Debian package `espeak-ng`), run as its own process: no shell, text on stdin. */

const TIMEOUT_MS = 15_000;

/** The installed version ("1.51"), or null when espeak-ng is not on PATH. */
export function findEspeak(): Promise<string | null> {
  return new Promise((resolve) => {
    execFile("espeak-ng", ["--version"], { timeout: 5_000 }, (error, stdout) => {
      if (error) return resolve(null);
      resolve(/text-to-speech:\s*(\S+)/.exec(stdout)?.[1] ?? "unknown");
    });
  });
}

/** Speaks `text` into a temporary WAV file (22,050 Hz, 16-bit mono), reads it and removes it. */
export async function espeakWav(text: string, voice: string, speed: number): Promise<Buffer> {
  const dir = await mkdtemp(/* turbopackIgnore: true */ path.join(tmpdir(), "ocd-espeak-"));
  const file = path.join(dir, "speech.wav");
  try {
    const args = ["-v", espeakVoiceFor(voice), "-s", String(Math.round(175 * speed)), "-w", file, "--stdin"];
    await new Promise<void>((resolve, reject) => {
      const child = spawn("espeak-ng", args, { stdio: ["pipe", "ignore", "pipe"], timeout: TIMEOUT_MS });
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      child.once("error", reject);
      child.once("close", (code, signal) => {
        if (code === 0) resolve();
        else reject(new Error(`espeak-ng exited with ${signal ?? code}${stderr ? `: ${stderr.trim()}` : ""}`));
      });
      // Text goes through stdin, never argv, so nothing in it can be read as an option.
      child.stdin.end(text);
    });
    return await readFile(/* turbopackIgnore: true */ file);
  } finally {
    await rm(/* turbopackIgnore: true */ dir, { recursive: true, force: true });
  }
}
