/**
 * Model-ready pixels of pictures decoded ahead of their embedding (InferenceEngine.decodeAhead),
 * by the path their file will be read from: a library that decodes a picture at import to
 * check it and make its thumbnail leaves the resized pixels here, and the embedding that
 * follows takes them instead of decoding the file a second time. Each entry is taken once;
 * past `maxBytes` the oldest go (their pictures are decoded again when embedded: slower, never
 * wrong). Keys must name files whose content never changes (content-addressed paths).
 */
export class PreparedPixels {
  private readonly entries = new Map<string, Uint8Array>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get size(): number {
    return this.entries.size;
  }

  put(key: string, pixels: Uint8Array): void {
    this.take(key);
    if (pixels.length > this.maxBytes) return;
    this.entries.set(key, pixels);
    this.bytes += pixels.length;
    for (const [k, v] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= v.length;
    }
  }

  /** The pixels stored under `key`, removed from here; undefined when none are. */
  take(key: string): Uint8Array | undefined {
    const px = this.entries.get(key);
    if (px === undefined) return undefined;
    this.entries.delete(key);
    this.bytes -= px.length;
    return px;
  }
}
