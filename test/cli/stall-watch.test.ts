import { describe, expect, it } from 'vitest';
import { watchStalls } from '../../src/main/cli/stall-watch';

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // the main thread blocked, as a long synchronous job would block it
  }
}

describe('stall watch', () => {
  it('reports a blocked main thread with about how long it was blocked', async () => {
    const seen: number[] = [];
    const w = watchStalls((ms) => seen.push(ms), 200, 20);
    await new Promise((r) => setTimeout(r, 60));
    busy(500);
    await new Promise((r) => setTimeout(r, 60));
    w.stop();
    expect(seen.length).toBe(1);
    expect(seen[0]).toBeGreaterThan(350);
    expect(seen[0]).toBeLessThan(2000);
  });

  it('stays quiet while the thread keeps up', async () => {
    const seen: number[] = [];
    const w = watchStalls((ms) => seen.push(ms), 1000, 20);
    for (let i = 0; i < 5; i++) {
      busy(30);
      await new Promise((r) => setTimeout(r, 20));
    }
    w.stop();
    expect(seen).toEqual([]);
  });
});
