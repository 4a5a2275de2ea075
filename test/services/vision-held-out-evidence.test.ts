import { describe, expect, it } from 'vitest';
import { independentRows, MIN_INDEPENDENT } from '../../src/main/services/vision/held-out';

// Which held-out pictures count as evidence between two models: a label accepted from one
// of their guesses does not, unless too few others remain (then all count, and it says so).

const rows = (accepted: Array<string | null>) => ({
  features: accepted.map((_, i) => Float32Array.of(i)),
  labels: accepted.map((_, i) => `l${i}`),
  acceptedFrom: accepted,
});

describe('independentRows', () => {
  it('leaves out labels accepted from either compared model, keeps those from other models and by hand', () => {
    const from = [...Array<null>(MIN_INDEPENDENT).fill(null), '1', '2', '3', '1'];
    const r = independentRows(rows(from), ['1', '2']);
    expect(r).toMatchObject({ leftOut: 3, fallback: false });
    expect(r.features).toHaveLength(MIN_INDEPENDENT + 1);
    expect(r.labels).toEqual([...Array.from({ length: MIN_INDEPENDENT }, (_, i) => `l${i}`), `l${MIN_INDEPENDENT + 2}`]);
  });

  it('falls back to every held-out picture when too few independent ones remain, and says so', () => {
    const from = [...Array<null>(MIN_INDEPENDENT - 1).fill(null), '1', '1'];
    const r = independentRows(rows(from), ['1', null]);
    expect(r).toMatchObject({ leftOut: 2, fallback: true });
    expect(r.features).toHaveLength(MIN_INDEPENDENT + 1);
  });

  it('uses every picture when none was an accepted guess, however few', () => {
    expect(independentRows(rows([null, null]), ['1', '2'])).toMatchObject({ leftOut: 0, fallback: false, labels: ['l0', 'l1'] });
  });
});
