import type { Backoff } from './types';

/**
 * Delay before the next attempt. Exponential backoff uses "full jitter" (a uniform draw
 * between 0 and the capped exponential), which spreads retries of a failing burst apart
 * instead of letting them hit the same dependency again in lockstep.
 */
export function backoffDelay(backoff: Backoff, attempt: number, random: () => number = Math.random): number {
  if (backoff.type === 'fixed') return Math.max(0, backoff.delayMs);
  const base = backoff.baseMs ?? 1000;
  const cap = backoff.maxMs ?? 5 * 60_000;
  const ceiling = Math.min(cap, base * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}
