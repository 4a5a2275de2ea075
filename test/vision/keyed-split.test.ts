import { describe, expect, it } from 'vitest';
import { stratifiedSplit } from '../../src/main/vision/pure/train/index';
import { foldKey, isHeldOut } from '../../src/main/services/vision/held-out';

describe('held-out split by fixed keys', () => {
  it('holds out exactly the rows whose key is below the fraction, whatever the seed', () => {
    const y = Int32Array.from([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    const keys = [0.05, 0.5, 0.9, 0.15, 0.7, 0.3, 0.01, 0.8, 0.6, 0.4];
    const a = stratifiedSplit(y, 2, 0.2, 1, keys);
    const b = stratifiedSplit(y, 2, 0.2, 999, keys);
    expect(a).toEqual(b);
    expect(a.val).toEqual([0, 3, 6]);
  });

  it('still keeps every label on both sides', () => {
    const y = Int32Array.from([0, 0, 1, 1, 1]);
    // Label 0: no key below 0.2 (its lowest is held out); label 1: all below (its highest trains).
    const { train, val } = stratifiedSplit(y, 2, 0.2, 1, [0.6, 0.5, 0.1, 0.05, 0.15]);
    expect(val).toEqual([1, 2, 3]);
    expect(train).toEqual([0, 4]);
  });

  it('derives a picture’s key from its content hash alone, about a fifth held out', () => {
    expect(foldKey('0000000000000ffff')).toBe(0);
    expect(foldKey('ffffffffffffff')).toBeLessThan(1);
    let held = 0;
    for (let i = 0; i < 2000; i++) {
      const hash = ((BigInt(i) * 0x9e3779b97f4a7c15n) % (1n << 64n)).toString(16).padStart(16, '0');
      if (isHeldOut(hash)) held++;
    }
    expect(held / 2000).toBeGreaterThan(0.15);
    expect(held / 2000).toBeLessThan(0.25);
  });
});
