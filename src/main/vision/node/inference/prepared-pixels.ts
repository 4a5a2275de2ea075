/**
 * Model-ready pixels of pictures decoded ahead of their embedding (InferenceEngine.decodeAhead),
 * by the path their file will be read from: a library that decodes a picture at import to
 * check it and make its thumbnail leaves the resized pixels here, and the embedding that
 * follows takes them instead of decoding the file a second time. Each entry is taken once.
 * Keys must name files whose content never changes (content-addressed paths).
 *
 * Full, it keeps what it holds and refuses the newcomer (that picture is decoded again when
 * embedded: slower, never wrong). Dropping the oldest instead would drop exactly the pictures
 * the embedding, which goes in import order, needs next: once an import ran more than
 * `maxBytes` ahead of it, every picture was decoded twice. room() lets a decode ahead wait
 * while an embedding is taking pixels, so a long import keeps pace with it; entries nobody
 * took for `staleMs` (a picture that never got its row) make room for new ones.
 */
export class PreparedPixels {
  private readonly entries = new Map<string, { pixels: Uint8Array; at: number }>();
  private bytes = 0;
  private lastTaken = -Infinity;
  private waiters: Array<() => void> = [];

  constructor(
    private readonly maxBytes: number,
    private readonly staleMs = 5 * 60_000,
    /** How long after the last take an embedding counts as running (room() waits only then). */
    private readonly activeMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** Stores the pixels unless they do not fit; answers whether they were stored. */
  put(key: string, pixels: Uint8Array): boolean {
    this.remove(key);
    if (!this.fits(pixels.length)) return false;
    this.entries.set(key, { pixels, at: this.now() });
    this.bytes += pixels.length;
    return true;
  }

  /** The pixels stored under `key`, removed from here; undefined when none are. */
  take(key: string): Uint8Array | undefined {
    const pixels = this.remove(key);
    if (pixels === undefined) return undefined;
    this.lastTaken = this.now();
    for (const wake of this.waiters.splice(0)) wake();
    return pixels;
  }

  private remove(key: string): Uint8Array | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    this.bytes -= entry.pixels.length;
    return entry.pixels;
  }

  /**
   * Resolves when `bytes` more would fit, or at once when nothing is taking pixels (no
   * embedding has taken any for `activeMs`): an import then goes on at its own pace.
   */
  async room(bytes: number): Promise<void> {
    while (!this.fits(bytes) && this.now() - this.lastTaken < this.activeMs) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.activeMs);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Whether `bytes` fit, after letting go of entries nobody took for `staleMs`. */
  private fits(bytes: number): boolean {
    if (bytes > this.maxBytes) return false;
    if (this.bytes + bytes <= this.maxBytes) return true;
    const stale = this.now() - this.staleMs;
    for (const [k, v] of this.entries) {
      if (v.at > stale || this.bytes + bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= v.pixels.length;
    }
    return this.bytes + bytes <= this.maxBytes;
  }
}
