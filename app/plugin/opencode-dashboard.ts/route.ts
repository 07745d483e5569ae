import { readFile } from "node:fs/promises";
import path from "node:path";
import { APP_DIR } from "@/lib/app-dir";

export const dynamic = "force-dynamic";

/**
 * The plugin file itself, so a machine can be connected with one curl line. It holds no secret
 * (the key lives in each machine's dashboard.toml), hence no auth.
 */
export async function GET() {
  const source = await readFile(path.join(APP_DIR, "plugin", "opencode-dashboard.ts"), "utf8");
  return new Response(source, {
    headers: {
      "content-type": "text/plain; charset=utf-8",
      "content-disposition": 'inline; filename="opencode-dashboard.ts"',
      "cache-control": "no-cache",
    },
  });
}
