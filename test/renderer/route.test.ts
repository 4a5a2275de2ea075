import { describe, expect, it } from 'vitest';
import { formatRoute, parseRoute } from '../../src/renderer/app/route';
import { filterOfView, gridQueryOf, paramsOf, viewOf } from '../../src/renderer/library/filter';
import { defaultLabelColor } from '../../src/shared/label-colors';
import { hueOf } from '../../src/renderer/lib/label-color';

describe('routes', () => {
  it('round-trips pages, datasets and filters, label names with spaces and slashes-free unicode included', () => {
    for (const r of [
      { page: 'library' as const },
      { page: 'library' as const, id: '3' },
      { page: 'library' as const, id: '3', view: 'unlabelled' },
      { page: 'library' as const, id: '3', view: 'label/T-shirt & top' },
      { page: 'library' as const, id: '12', view: 'label/Ünïcode ✓' },
      { page: 'scripts' as const, id: '5' },
      { page: 'tasks' as const },
    ]) {
      expect(parseRoute(formatRoute(r))).toEqual(r);
    }
    expect(formatRoute({ page: 'library', id: '3', view: 'label/a b' })).toBe('#/library/3/label/a%20b');
  });

  it('ignores addresses that are not routes (the sign-in token, unknown pages)', () => {
    expect(parseRoute('#token=abc')).toBeNull();
    expect(parseRoute('#/nowhere/1')).toBeNull();
    expect(parseRoute('')).toBeNull();
  });

  it('maps filters to URL views and back', () => {
    for (const f of [{ kind: 'all' as const }, { kind: 'unlabeled' as const }, { kind: 'label' as const, name: 'Sandal' }]) {
      expect(filterOfView(viewOf(f))).toEqual(f);
    }
    expect(filterOfView('label/')).toEqual({ kind: 'all' });
  });
});

describe('label colours', () => {
  it('gives the first labels hues far apart (golden angle): no two of the first eight within 20°', () => {
    const hues = Array.from({ length: 8 }, (_, i) => hueOf(defaultLabelColor(i)));
    for (let i = 0; i < hues.length; i++) {
      for (let j = i + 1; j < hues.length; j++) {
        const d = Math.abs(hues[i] - hues[j]);
        expect(Math.min(d, 360 - d)).toBeGreaterThanOrEqual(20);
      }
    }
  });
});

describe('grid filters in the address', () => {
  it('round-trips the grid query after the view, in a stable order', () => {
    const r = { page: 'library' as const, id: '3', view: 'label/T-shirt?', params: { sort: '-confidence', predicted: 'Ankle boot', min: '0.9', q: 'a&b' } };
    const url = formatRoute(r);
    expect(url).toBe('#/library/3/label/T-shirt%3F?min=0.9&predicted=Ankle+boot&q=a%26b&sort=-confidence');
    expect(parseRoute(url)).toEqual(r);
    expect(parseRoute('#/library/3?agreement=disagrees')).toEqual({ page: 'library', id: '3', params: { agreement: 'disagrees' } });
    expect(formatRoute({ page: 'library', id: '3', params: {} })).toBe('#/library/3');
  });

  it('reads filters from parameters, ignoring ones that make no sense', () => {
    expect(gridQueryOf({ predicted: 'Sneaker', min: '0.9', max: '2', agreement: 'maybe', sort: '-confidence', q: ' shoe ' })).toEqual({
      predicted: 'Sneaker',
      min: 0.9,
      sort: '-confidence',
      q: 'shoe',
    });
    const q = { predicted: 'Bag', min: 0.25, max: 0.75, agreement: 'disagrees' as const, q: 'x', sort: 'name' as const };
    expect(gridQueryOf(paramsOf(q))).toEqual(q);
    expect(paramsOf({})).toEqual({});
  });
});
