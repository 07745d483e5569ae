import { CopyButton } from "../copy-button";
import { FirstSessionRefresh } from "./first-session-refresh";

/** What a new user sees until the first event arrives: how to connect a machine. */
export function SetupSteps({ origin, apiKey, version }: { origin: string; apiKey: string; version: number }) {
  const install = `mkdir -p ~/.config/opencode/plugin && curl -fsSL ${origin}/plugin/opencode-dashboard.ts -o ~/.config/opencode/plugin/opencode-dashboard.ts`;
  const config = `cat > ~/.config/opencode/dashboard.toml <<'EOF'\nurl = "${origin}"\napiKey = "${apiKey}"\n# control = "answer"  # let this dashboard answer permissions and questions, and stop sessions ("full": also prompts)\nEOF`;
  const block =
    "relative rounded-lg border border-line bg-canvas p-3 pr-20 font-mono text-xs leading-relaxed whitespace-pre-wrap break-all";
  return (
    <section
      className="mx-auto max-w-3xl rounded-[var(--radius-card)] border border-line bg-surface p-6 shadow-[var(--shadow-card)] sm:p-8"
      aria-labelledby="setup-title"
    >
      <FirstSessionRefresh version={version} />
      <h1 id="setup-title" className="text-xl font-semibold">
        Connect your first machine
      </h1>
      <p className="mt-2 text-muted">
        No session has reached this dashboard yet. On each machine that runs OpenCode, install the plugin and tell it
        where this dashboard is. Sessions appear here live as soon as OpenCode runs.
      </p>
      <ol className="mt-6 space-y-5">
        <li>
          <h2 className="mb-2 font-medium">1. Install the plugin (one file)</h2>
          <pre className={block} data-testid="install-line">
            {install}
            <CopyButton text={install} />
          </pre>
        </li>
        <li>
          <h2 className="mb-2 font-medium">2. Point it at this dashboard</h2>
          <pre className={block} data-testid="config-line">
            {config}
            <CopyButton text={config} />
          </pre>
          <p className="mt-2 text-sm text-muted">
            The key above is this dashboard&apos;s plugin API key: it can send events, nothing else. Prefer listing the
            plugin in <code className="font-mono">opencode.json</code>? Use{" "}
            <code className="font-mono">{`"plugin": ["opencode-dashboard-plugin"]`}</code>.
          </p>
          <p className="mt-2 text-sm text-muted">
            To answer permissions and questions and stop sessions from this dashboard, uncomment{" "}
            <code className="font-mono">control = &quot;answer&quot;</code> (
            <code className="font-mono">&quot;full&quot;</code> also sends prompts). It is off by default: each
            machine&apos;s owner decides.
          </p>
        </li>
      </ol>
    </section>
  );
}
