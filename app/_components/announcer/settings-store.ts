"use client";

import { useEffect, useState, useSyncExternalStore } from "react";
import { createSettingsStore, DEFAULT_SETTINGS, type SettingsStore } from "@/lib/announce/settings";
import { fetchStatus, type SpeechStatus } from "./speaker";

/** One settings store per page, shared by <Announcer> and <AnnouncerSettings>. */
let store: SettingsStore | null = null;
function getStore() {
  store ??= createSettingsStore(
    typeof localStorage === "undefined" ? null : localStorage,
    typeof window === "undefined" ? undefined : window,
  );
  return store;
}

export function useAnnouncerSettings() {
  const settings = useSyncExternalStore(
    (listener) => getStore().subscribe(listener),
    () => getStore().get(),
    () => DEFAULT_SETTINGS,
  );
  return [settings, (patch: Parameters<SettingsStore["update"]>[0]) => getStore().update(patch)] as const;
}

export function readSettings() {
  return getStore().get();
}

// The status is asked once per page (it also starts the server loading its model).
let statusPromise: Promise<SpeechStatus> | null = null;
const browserOnly = (reason: string): SpeechStatus => ({
  enabled: true,
  engine: "browser",
  state: "ready",
  reason,
  voice: "",
  voices: [],
});

export function loadStatus(apiKey?: string): Promise<SpeechStatus> {
  statusPromise ??= fetchStatus(apiKey).catch((error: Error) => {
    statusPromise = null;
    return browserOnly(`the server's speech status is unknown (${error.message})`);
  });
  return statusPromise;
}

/** The server's speech status; while the model loads it is asked again every few seconds. */
export function useSpeechStatus(apiKey?: string) {
  const [status, setStatus] = useState<SpeechStatus | null>(null);
  useEffect(() => {
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = () =>
      void loadStatus(apiKey).then((s) => {
        if (!alive) return;
        setStatus(s);
        if (s.state === "loading") {
          statusPromise = null;
          timer = setTimeout(poll, 3_000);
        }
      });
    poll();
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, [apiKey]);
  return status;
}

/** The browser's own voices, which arrive asynchronously in Chrome. */
export function useBrowserVoices() {
  const [voices, setVoices] = useState<{ name: string; lang: string }[]>([]);
  useEffect(() => {
    if (typeof speechSynthesis === "undefined") return;
    const read = () => setVoices(speechSynthesis.getVoices().map((v) => ({ name: v.name, lang: v.lang })));
    read();
    speechSynthesis.addEventListener("voiceschanged", read);
    return () => speechSynthesis.removeEventListener("voiceschanged", read);
  }, []);
  return voices;
}
