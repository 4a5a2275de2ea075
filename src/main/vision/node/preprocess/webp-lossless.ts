/**
 * A small lossless WebP (VP8L) encoder for small pictures, in plain TypeScript.
 *
 * Why: a picture that already fits its thumbnail (a 28×28 Fashion-MNIST PNG, a 32×32 CIFAR
 * frame, an icon) needs no resize, only an encode, and handing a few hundred pixels to sharp
 * costs about 0.7 CPU ms per picture in pipeline set-up and thread hand-offs alone, as much as
 * decoding it. Encoded here it costs a few microseconds, stays `image/webp` like every other
 * thumbnail, and is exact: the thumbnail holds the very pixels the model was given.
 *
 * The stream (RFC 9649, WebP lossless) uses one transform, subtract-green (grey pictures then
 * code red and blue as a single symbol, zero bits each), no colour cache, no backward
 * references, and one prefix code per channel built from the picture's own histogram. That is
 * far from libwebp's compression on big pictures, hence `MAX_PIXELS`; for small ones it is
 * within a few hundred bytes.
 */

/** Largest picture (in pixels) worth encoding here; bigger ones get sharp's lossy WebP. */
export const MAX_PIXELS = 64 * 64;

const MAX_CODE_LENGTH = 15;
const MAX_CODE_LENGTH_CODE_LENGTH = 7;
/** The order in which the code-length code's own lengths are written (RFC 9649 §3.7.2.1.2). */
const CODE_LENGTH_ORDER = [17, 18, 0, 1, 2, 3, 4, 5, 16, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
/** Green's alphabet: 256 literals and 24 length prefixes (no colour cache). */
const GREEN_ALPHABET = 280;

/** Bits written least significant first, as VP8L reads them. */
class BitWriter {
  private bytes: Uint8Array;
  private at = 0;
  private acc = 0;
  private used = 0;

  constructor(capacity: number) {
    this.bytes = new Uint8Array(capacity);
  }

  put(value: number, bits: number): void {
    this.acc |= value << this.used;
    this.used += bits;
    while (this.used >= 8) {
      if (this.at === this.bytes.length) this.grow();
      this.bytes[this.at++] = this.acc & 0xff;
      this.acc >>>= 8;
      this.used -= 8;
    }
  }

  finish(): Uint8Array {
    if (this.used > 0) this.put(0, 8 - this.used);
    return this.bytes.subarray(0, this.at);
  }

  private grow(): void {
    const next = new Uint8Array(this.bytes.length * 2);
    next.set(this.bytes);
    this.bytes = next;
  }
}

/**
 * Code lengths of a Huffman code for `counts`, none longer than `limit`. When the plain
 * Huffman tree is too deep, rare symbols are counted as more common until it fits (libwebp
 * does the same): always a complete code, at a tiny cost in size.
 */
export function codeLengths(counts: ArrayLike<number>, limit: number): Uint8Array {
  const n = counts.length;
  const lengths = new Uint8Array(n);
  const used: number[] = [];
  for (let s = 0; s < n; s++) if (counts[s] > 0) used.push(s);
  if (used.length > 2 ** limit) throw new RangeError(`${used.length} symbols cannot have codes of ${limit} bits or fewer.`);
  if (used.length === 1) {
    lengths[used[0]] = 1;
    return lengths;
  }
  for (let floor = 1; ; floor *= 2) {
    const leaves = used.map((s) => ({ s, w: Math.max(counts[s], floor) })).sort((a, b) => a.w - b.w || a.s - b.s);
    // Two queues: leaves by weight, and merged nodes, which are made in order of weight.
    const weight: number[] = [];
    const parent: number[] = [];
    for (const l of leaves) weight.push(l.w);
    const merged: number[] = [];
    let li = 0;
    let mi = 0;
    const takeLightest = (): number => {
      if (mi >= merged.length || (li < leaves.length && weight[li] <= weight[merged[mi]])) return li++;
      return merged[mi++];
    };
    for (let k = 1; k < leaves.length; k++) {
      const a = takeLightest();
      const b = takeLightest();
      const node = weight.length;
      weight.push(weight[a] + weight[b]);
      parent[a] = node;
      parent[b] = node;
      merged.push(node);
    }
    const root = weight.length - 1;
    const depth = new Array<number>(weight.length).fill(0);
    for (let node = root - 1; node >= 0; node--) depth[node] = depth[parent[node]] + 1;
    let deepest = 0;
    for (let i = 0; i < leaves.length; i++) deepest = Math.max(deepest, depth[i]);
    if (deepest <= limit) {
      for (let i = 0; i < leaves.length; i++) lengths[leaves[i].s] = depth[i];
      return lengths;
    }
  }
}

/** Canonical codes for `lengths`, bit-reversed: VP8L reads a code's first bit as the stream's next bit. */
function canonicalCodes(lengths: Uint8Array): Uint16Array {
  const perLength = new Uint16Array(MAX_CODE_LENGTH + 1);
  for (const l of lengths) if (l > 0) perLength[l]++;
  const next = new Uint16Array(MAX_CODE_LENGTH + 2);
  for (let len = 1, code = 0; len <= MAX_CODE_LENGTH; len++) {
    code = (code + perLength[len - 1]) << 1;
    next[len] = code;
  }
  const codes = new Uint16Array(lengths.length);
  for (let s = 0; s < lengths.length; s++) {
    const len = lengths[s];
    if (len === 0) continue;
    let c = next[len]++;
    let r = 0;
    for (let i = 0; i < len; i++, c >>= 1) r = (r << 1) | (c & 1);
    codes[s] = r;
  }
  return codes;
}

/** A channel's prefix code as written, and the codes to write its symbols with (0 bits each for a single symbol). */
interface PrefixCode {
  lengths: Uint8Array;
  codes: Uint16Array;
}

/** Writes the prefix code for `counts` and returns it; one or two symbols below 256 take the short "simple" form. */
function writePrefixCode(w: BitWriter, counts: Uint32Array): PrefixCode {
  const symbols: number[] = [];
  for (let s = 0; s < counts.length && symbols.length < 3; s++) if (counts[s] > 0) symbols.push(s);
  if (symbols.length === 0) symbols.push(0);
  if (symbols.length <= 2) {
    w.put(1, 1);
    w.put(symbols.length - 1, 1);
    const wide = symbols[0] > 1 ? 1 : 0;
    w.put(wide, 1);
    w.put(symbols[0], wide ? 8 : 1);
    if (symbols.length === 2) w.put(symbols[1], 8);
    const lengths = new Uint8Array(counts.length);
    // One symbol is a zero-bit code; two are one bit each, the lower symbol coded 0.
    if (symbols.length === 2) {
      lengths[symbols[0]] = 1;
      lengths[symbols[1]] = 1;
    }
    return { lengths, codes: canonicalCodes(lengths) };
  }
  const lengths = codeLengths(counts, MAX_CODE_LENGTH);
  // The lengths are themselves coded: literal lengths 0–15, and 17 / 18 for runs of zeros.
  const tokens: number[] = [];
  const extra: number[] = [];
  for (let s = 0; s < lengths.length;) {
    let run = 0;
    while (s + run < lengths.length && lengths[s + run] === 0 && run < 138) run++;
    if (run >= 11) {
      tokens.push(18);
      extra.push(run - 11);
      s += run;
    } else if (run >= 3) {
      tokens.push(17);
      extra.push(run - 3);
      s += run;
    } else {
      tokens.push(lengths[s]);
      extra.push(0);
      s++;
    }
  }
  const tokenCounts = new Uint32Array(19);
  for (const t of tokens) tokenCounts[t]++;
  // A code-length code needs two symbols to be a complete code; the second is never written.
  let distinct = 0;
  for (const c of tokenCounts) if (c > 0) distinct++;
  if (distinct < 2) tokenCounts[tokenCounts[0] > 0 ? 1 : 0] = 1;
  const tokenLengths = codeLengths(tokenCounts, MAX_CODE_LENGTH_CODE_LENGTH);
  const tokenCodes = canonicalCodes(tokenLengths);
  let written = CODE_LENGTH_ORDER.length;
  while (written > 4 && tokenLengths[CODE_LENGTH_ORDER[written - 1]] === 0) written--;
  w.put(0, 1);
  w.put(written - 4, 4);
  for (let i = 0; i < written; i++) w.put(tokenLengths[CODE_LENGTH_ORDER[i]], 3);
  w.put(0, 1); // every symbol's length follows (no max_symbol)
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    w.put(tokenCodes[t], tokenLengths[t]);
    if (t === 17) w.put(extra[i], 3);
    else if (t === 18) w.put(extra[i], 7);
  }
  return { lengths, codes: canonicalCodes(lengths) };
}

/**
 * Encodes `width × height` RGB pixels (3 bytes each, row by row) as a lossless, opaque WebP
 * file. For pictures of `MAX_PIXELS` or fewer; larger ones work but compress poorly.
 */
export function encodeLosslessWebp(rgb: Uint8Array, width: number, height: number): Buffer {
  const n = width * height;
  if (width < 1 || height < 1 || width > 16384 || height > 16384 || rgb.length < n * 3)
    throw new RangeError(`Cannot encode ${width}×${height} pixels from ${rgb.length} bytes.`);
  const green = new Uint32Array(GREEN_ALPHABET);
  const red = new Uint32Array(256);
  const blue = new Uint32Array(256);
  for (let p = 0; p < n * 3; p += 3) {
    const g = rgb[p + 1];
    green[g]++;
    red[(rgb[p] - g) & 0xff]++;
    blue[(rgb[p + 2] - g) & 0xff]++;
  }
  const alpha = new Uint32Array(256);
  alpha[255] = n;
  const w = new BitWriter(64 + n);
  w.put(0x2f, 8);
  w.put(width - 1, 14);
  w.put(height - 1, 14);
  w.put(0, 1); // no alpha used
  w.put(0, 3); // version 0
  w.put(1, 1); // a transform follows:
  w.put(2, 2); // subtract green
  w.put(0, 1); // no more transforms
  w.put(0, 1); // no colour cache
  w.put(0, 1); // one prefix code group for the whole picture
  const G = writePrefixCode(w, green);
  const R = writePrefixCode(w, red);
  const B = writePrefixCode(w, blue);
  writePrefixCode(w, alpha); // one symbol: zero bits per pixel
  writePrefixCode(w, new Uint32Array(40)); // distances: none used
  for (let p = 0; p < n * 3; p += 3) {
    const g = rgb[p + 1];
    const r = (rgb[p] - g) & 0xff;
    const b = (rgb[p + 2] - g) & 0xff;
    w.put(G.codes[g], G.lengths[g]);
    w.put(R.codes[r], R.lengths[r]);
    w.put(B.codes[b], B.lengths[b]);
  }
  const vp8l = w.finish();
  const padded = vp8l.length + (vp8l.length & 1);
  const out = Buffer.alloc(20 + padded);
  out.write('RIFF', 0, 'latin1');
  out.writeUInt32LE(12 + padded, 4);
  out.write('WEBPVP8L', 8, 'latin1');
  out.writeUInt32LE(vp8l.length, 16);
  out.set(vp8l, 20);
  return out;
}
