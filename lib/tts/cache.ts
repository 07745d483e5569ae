/**
 * A least-recently-used map bounded by entry count and total bytes: the same announcement
 * ("vps-2, fix login bug: finished and is waiting for you") is often spoken more than once.
 */
export class AudioCache {
  private entries = new Map<string, Buffer>();
  private bytes = 0;

  constructor(
    private readonly maxEntries = 64,
    private readonly maxBytes = 32 * 1024 * 1024,
  ) {}

  static key(parts: { engine: string; voice: string; speed: number; text: string }) {
    return JSON.stringify([parts.engine, parts.voice, parts.speed, parts.text]);
  }

  get(key: string): Buffer | undefined {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  set(key: string, value: Buffer) {
    if (value.length > this.maxBytes) return;
    this.delete(key);
    this.entries.set(key, value);
    this.bytes += value.length;
    for (const [oldest, audio] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= audio.length;
    }
  }

  private delete(key: string) {
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.bytes -= old.length;
    }
  }

  get size() {
    return this.entries.size;
  }
}
