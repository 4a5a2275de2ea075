import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src/main/queue';

describe('retry backoff (the parametrised suite in stores/ covers ordering and limits on both stores)', () => {
  it('spreads retries with capped exponential backoff and full jitter', () => {
    const b = { type: 'exponential' as const, baseMs: 100, maxMs: 1000 };
    expect(backoffDelay(b, 1, () => 0.999)).toBe(99);
    expect(backoffDelay(b, 3, () => 0.999)).toBe(399);
    expect(backoffDelay(b, 10, () => 0.999)).toBe(999);
    expect(backoffDelay(b, 10, () => 0)).toBe(0);
    expect(backoffDelay({ type: 'fixed', delayMs: 250 }, 7)).toBe(250);
  });
});
