import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { codeLengths, encodeLosslessWebp, MAX_PIXELS } from '../../src/main/vision/node/preprocess/webp-lossless';

/** libwebp (through sharp) decodes the file back to exactly the pixels given. */
async function roundTrip(rgb: Uint8Array, width: number, height: number) {
  const file = encodeLosslessWebp(rgb, width, height);
  const meta = await sharp(file).metadata();
  expect({ format: meta.format, width: meta.width, height: meta.height }).toEqual({ format: 'webp', width, height });
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  expect(info.channels).toBe(3);
  expect(Buffer.compare(data, Buffer.from(rgb.buffer, rgb.byteOffset, width * height * 3))).toBe(0);
  return file;
}

function picture(width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out.set(pixel(x, y), (y * width + x) * 3);
  return out;
}

let seed = 12345;
const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;

describe('lossless WebP for small thumbnails', () => {
  it('round-trips grey, flat, two-colour, noisy and odd-sized pictures exactly', async () => {
    await roundTrip(
      picture(1, 1, () => [10, 20, 30]),
      1,
      1,
    );
    await roundTrip(
      picture(28, 28, () => [255, 255, 255]),
      28,
      28,
    );
    await roundTrip(
      picture(28, 28, (x, y) => {
        const v = (x * 9 + y * 5) % 256;
        return [v, v, v];
      }),
      28,
      28,
    );
    await roundTrip(
      picture(17, 3, (x) => (x % 2 ? [0, 0, 0] : [255, 0, 128])),
      17,
      3,
    );
    await roundTrip(
      picture(64, 64, () => [random(), random(), random()]),
      64,
      64,
    );
    await roundTrip(
      picture(1, 40, (_, y) => [y, 255 - y, y * 3]),
      1,
      40,
    );
  });

  it('round-trips a picture whose histogram needs length-limited codes', async () => {
    // Fibonacci counts make the plain Huffman tree as deep as there are symbols (25 > 15).
    const fib = [1, 1];
    while (fib.length < 25) fib.push(fib[fib.length - 1] + fib[fib.length - 2]);
    const counts = new Array<number>(256).fill(0);
    fib.forEach((f, v) => (counts[v * 9] = f));
    expect(Math.max(...codeLengths(counts, 30))).toBeGreaterThan(15);
    const values = fib.flatMap((f, v) => new Array<number>(f).fill(v * 9));
    const width = 512;
    const height = Math.ceil(values.length / width);
    let i = 0;
    const rgb = picture(width, height, () => {
      const v = values[i++] ?? 0;
      return [v, v, (v * 3) & 0xff];
    });
    await roundTrip(rgb, width, height);
  });

  it('keeps Fashion-MNIST-sized grey thumbnails small', async () => {
    const rgb = picture(28, 28, (x, y) => {
      const v = (x - 14) ** 2 + (y - 14) ** 2 < 80 ? 200 + ((x * y) % 40) : 0;
      return [v, v, v];
    });
    const file = await roundTrip(rgb, 28, 28);
    expect(file.length).toBeLessThan(600);
    expect(MAX_PIXELS).toBeGreaterThanOrEqual(28 * 28);
  });

  it('never makes a code longer than its limit, and always a complete one', () => {
    for (const [size, limit] of [
      [19, 7],
      [280, 15],
    ]) {
      const counts = Array.from({ length: size }, (_, s) => (s < 30 ? 2 ** s : s % 3));
      const lengths = codeLengths(counts, limit);
      let kraft = 0;
      for (let s = 0; s < counts.length; s++) {
        expect(lengths[s] > 0).toBe(counts[s] > 0);
        expect(lengths[s]).toBeLessThanOrEqual(limit);
        if (lengths[s] > 0) kraft += 2 ** -lengths[s];
      }
      expect(kraft).toBeCloseTo(1, 12);
    }
  });

  it('refuses sizes the format cannot hold', () => {
    expect(() => encodeLosslessWebp(new Uint8Array(3), 0, 1)).toThrow(RangeError);
    expect(() => encodeLosslessWebp(new Uint8Array(3), 2, 2)).toThrow(RangeError);
    expect(() => codeLengths(new Array(300).fill(1), 8)).toThrow(RangeError);
  });
});
