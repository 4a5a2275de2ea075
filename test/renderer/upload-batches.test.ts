import { describe, expect, it } from 'vitest';
import { CancelledError, planBatches, runPool, throttle } from '../../src/renderer/lib/upload-batches';

const f = (size: number) => ({ size });

describe('upload batching', () => {
  it('keeps one label per request, caps files and bytes, and deals labels out in turn', () => {
    const items = [
      ...Array.from({ length: 20 }, () => ({ file: f(10), label: 'cats' })),
      ...Array.from({ length: 5 }, () => ({ file: f(10), label: 'dogs' })),
      { file: f(10) },
    ];
    const batches = planBatches(items, { maxFiles: 8, maxBytes: 1000 });
    expect(batches.map((b) => [b.label, b.items.length])).toEqual([
      ['cats', 8],
      ['dogs', 5],
      [undefined, 1],
      ['cats', 8],
      ['cats', 4],
    ]);
    expect(batches.every((b) => b.items.every((i) => i.label === b.label))).toBe(true);
    expect(batches.reduce((n, b) => n + b.items.length, 0)).toBe(26);
  });

  it('sends a file bigger than the byte cap on its own', () => {
    const batches = planBatches([{ file: f(5) }, { file: f(500) }, { file: f(5) }], { maxFiles: 10, maxBytes: 100 });
    expect(batches.map((b) => b.items.map((i) => i.file.size))).toEqual([[5], [500], [5]]);
  });

  it('runs every task with bounded concurrency', async () => {
    let running = 0;
    let peak = 0;
    const seen: number[] = [];
    await runPool(
      Array.from({ length: 30 }, (_, i) => i),
      4,
      async (t) => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 1));
        seen.push(t);
        running--;
      },
    );
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(peak).toBeLessThanOrEqual(4);
  });

  it('stops starting tasks on cancel and says so', async () => {
    const ac = new AbortController();
    let started = 0;
    const run = runPool(
      Array.from({ length: 50 }, (_, i) => i),
      2,
      async () => {
        started++;
        if (started === 3) ac.abort();
        await new Promise((r) => setTimeout(r, 1));
      },
      ac.signal,
    );
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect(started).toBeLessThan(50);
  });

  it('throttle delivers the last value', async () => {
    const got: number[] = [];
    const t = throttle((n: number) => got.push(n), 20);
    for (let i = 1; i <= 100; i++) t(i);
    await new Promise((r) => setTimeout(r, 40));
    expect(got[0]).toBe(1);
    expect(got[got.length - 1]).toBe(100);
    expect(got.length).toBeLessThan(10);
  });
});
