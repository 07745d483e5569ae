import type { AttentionReason } from "../db/schema";

/** The announcer's settings, kept per browser in localStorage. */

export type Sound = "voice" | "chime" | "both";

export type AnnouncerSettings = {
  muted: boolean;
  /** 0 … 1 */
  volume: number;
  /** A server voice id (af_heart, en-gb+f3) or a browser voice name; null: the default. */
  voice: string | null;
  /** Speak, play a short chime, or chime then speak. */
  sound: Sound;
  reasons: Record<AttentionReason, boolean>;
};

export const SETTINGS_KEY = "ocd-announcer-settings";

export const DEFAULT_SETTINGS: AnnouncerSettings = {
  muted: false,
  volume: 0.8,
  voice: null,
  sound: "voice",
  reasons: { permission: true, question: true, idle: true, error: true },
};

/** Whatever is stored (an older shape, someone's hand edit) becomes valid settings. */
export function parseSettings(raw: string | null): AnnouncerSettings {
  let value: Partial<AnnouncerSettings> = {};
  try {
    const parsed: unknown = raw ? JSON.parse(raw) : {};
    if (parsed && typeof parsed === "object") value = parsed as Partial<AnnouncerSettings>;
  } catch {
    // unreadable: defaults
  }
  const d = DEFAULT_SETTINGS;
  const reasons = { ...d.reasons };
  for (const r of Object.keys(reasons) as AttentionReason[]) {
    if (typeof value.reasons?.[r] === "boolean") reasons[r] = value.reasons[r];
  }
  return {
    muted: typeof value.muted === "boolean" ? value.muted : d.muted,
    volume:
      typeof value.volume === "number" && Number.isFinite(value.volume)
        ? Math.min(1, Math.max(0, value.volume))
        : d.volume,
    voice: typeof value.voice === "string" && value.voice.length > 0 && value.voice.length <= 200 ? value.voice : null,
    sound: value.sound === "chime" || value.sound === "both" || value.sound === "voice" ? value.sound : d.sound,
    reasons,
  };
}

export type SettingsStore = {
  get(): AnnouncerSettings;
  update(patch: Partial<AnnouncerSettings>): void;
  subscribe(listener: () => void): () => void;
};

/** Settings in `storage`; changes made in another tab arrive through the window's storage event. */
export function createSettingsStore(
  storage: Pick<Storage, "getItem" | "setItem"> | null,
  events?: Pick<Window, "addEventListener" | "removeEventListener">,
): SettingsStore {
  let current = parseSettings(storage?.getItem(SETTINGS_KEY) ?? null);
  const listeners = new Set<() => void>();
  const emit = () => listeners.forEach((l) => l());
  const onStorage = (event: Event) => {
    if ((event as StorageEvent).key !== SETTINGS_KEY) return;
    current = parseSettings((event as StorageEvent).newValue);
    emit();
  };
  return {
    get: () => current,
    update(patch) {
      current = parseSettings(
        JSON.stringify({ ...current, ...patch, reasons: { ...current.reasons, ...patch.reasons } }),
      );
      try {
        storage?.setItem(SETTINGS_KEY, JSON.stringify(current));
      } catch {
        // storage full or blocked: the setting still holds for this page
      }
      emit();
    },
    subscribe(listener) {
      if (listeners.size === 0) events?.addEventListener("storage", onStorage);
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) events?.removeEventListener("storage", onStorage);
      };
    },
  };
}
