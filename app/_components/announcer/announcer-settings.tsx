"use client";

import { useId, useState } from "react";
import type { AttentionReason } from "@/lib/db/schema";
import type { Sound } from "@/lib/announce/settings";
import { PlaybackBlocked, say } from "./speaker";
import { useAnnouncerSettings, useBrowserVoices, useSpeechStatus } from "./settings-store";

const REASONS: { reason: AttentionReason; label: string }[] = [
  { reason: "permission", label: "Needs permission" },
  { reason: "question", label: "Has a question" },
  { reason: "idle", label: "Finished its turn" },
  { reason: "error", label: "Stopped with an error" },
];

const SOUNDS: { sound: Sound; label: string }[] = [
  { sound: "voice", label: "Voice" },
  { sound: "chime", label: "Chime only" },
  { sound: "both", label: "Chime, then voice" },
];

const ENGINE_LABEL = {
  kokoro: "Kokoro voice (server)",
  espeak: "espeak-ng voice (server)",
  browser: "this browser's voice",
} as const;

const field =
  "rounded-lg border border-line bg-surface px-2 py-1.5 text-sm text-ink focus-visible:ring-2 focus-visible:ring-accent/40 focus-visible:outline-none";

/** Spoken announcements: mute, volume, voice, chime, which reasons speak. Kept in this browser. */
export function AnnouncerSettings({ apiKey }: { apiKey?: string }) {
  const [settings, update] = useAnnouncerSettings();
  const status = useSpeechStatus(apiKey);
  const browserVoices = useBrowserVoices();
  const [testError, setTestError] = useState<string | null>(null);
  const id = useId();
  const serverVoices = status?.engine === "kokoro" || status?.engine === "espeak";
  const voices = serverVoices
    ? status!.voices.map((v) => ({ value: v, label: v }))
    : browserVoices.map((v) => ({ value: v.name, label: `${v.name} (${v.lang})` }));

  async function test() {
    setTestError(null);
    try {
      await say(
        "Announcements are on. vps-2, fix login bug: needs permission to run bash",
        { ...settings, muted: false },
        status?.engine ?? "browser",
        apiKey,
      );
    } catch (error) {
      setTestError(
        error instanceof PlaybackBlocked
          ? "The browser blocked sound; click the page once, then try again."
          : (error as Error).message,
      );
    }
  }

  if (status?.enabled === false) {
    return (
      <section aria-labelledby={`${id}-title`} className="w-full sm:w-72 space-y-2 text-sm text-ink">
        <h2 id={`${id}-title`} className="font-semibold">
          Spoken announcements
        </h2>
        <p className="text-muted" data-testid="announcer-engine">
          Turned off on this server (DISABLE_TTS=true).
        </p>
      </section>
    );
  }

  return (
    <section aria-labelledby={`${id}-title`} className="w-full sm:w-72 space-y-3 text-sm text-ink">
      <div className="flex items-center justify-between gap-2">
        <h2 id={`${id}-title`} className="font-semibold">
          Spoken announcements
        </h2>
        <label className="flex items-center gap-1.5">
          <input
            type="checkbox"
            checked={settings.muted}
            onChange={(e) => update({ muted: e.target.checked })}
            className="size-4 accent-[var(--color-accent)]"
          />
          Mute
        </label>
      </div>
      <p className="text-xs text-muted" data-testid="announcer-engine">
        {status === null
          ? "Checking the server's voice…"
          : `Speaking with ${ENGINE_LABEL[status.engine ?? "browser"]}${status.state === "loading" ? " (loading…)" : ""}.`}
      </p>

      <div className="space-y-1">
        <label htmlFor={`${id}-volume`} className="block font-medium">
          Volume <span className="text-muted tabular-nums">{Math.round(settings.volume * 100)}%</span>
        </label>
        <input
          id={`${id}-volume`}
          type="range"
          min={0}
          max={1}
          step={0.05}
          value={settings.volume}
          onChange={(e) => update({ volume: Number(e.target.value) })}
          className="w-full accent-[var(--color-accent)]"
        />
      </div>

      <div className="space-y-1">
        <label htmlFor={`${id}-voice`} className="block font-medium">
          Voice
        </label>
        <select
          id={`${id}-voice`}
          value={settings.voice ?? ""}
          onChange={(e) => update({ voice: e.target.value || null })}
          className={`${field} w-full`}
        >
          <option value="">Default{serverVoices && status?.voice ? ` (${status.voice})` : ""}</option>
          {voices.map((v) => (
            <option key={v.value} value={v.value}>
              {v.label}
            </option>
          ))}
        </select>
      </div>

      <fieldset className="space-y-1">
        <legend className="font-medium">Sound</legend>
        {SOUNDS.map(({ sound, label }) => (
          <label key={sound} className="flex items-center gap-2">
            <input
              type="radio"
              name={`${id}-sound`}
              value={sound}
              checked={settings.sound === sound}
              onChange={() => update({ sound })}
              className="size-4 accent-[var(--color-accent)]"
            />
            {label}
          </label>
        ))}
      </fieldset>

      <fieldset className="space-y-1">
        <legend className="font-medium">Announce when a session…</legend>
        {REASONS.map(({ reason, label }) => (
          <label key={reason} className="flex items-center gap-2">
            <input
              type="checkbox"
              checked={settings.reasons[reason]}
              onChange={(e) => update({ reasons: { ...settings.reasons, [reason]: e.target.checked } })}
              className="size-4 accent-[var(--color-accent)]"
            />
            {label}
          </label>
        ))}
      </fieldset>

      <div className="flex items-center gap-2">
        <button
          type="button"
          onClick={() => void test()}
          className="rounded-lg border border-line px-2.5 py-1.5 font-medium hover:bg-raised focus-visible:ring-2 focus-visible:ring-accent/40 focus-visible:outline-none"
        >
          Test
        </button>
        <p className="text-xs text-muted">Only one open dashboard tab speaks.</p>
      </div>
      {testError && (
        <p role="alert" className="text-xs text-error">
          {testError}
        </p>
      )}
    </section>
  );
}
