// Review mode's keys and its address: Enter accepts, digits correct, S / → skip, ← back, Esc leaves.
import { describe, expect, it } from 'vitest';
import { reviewKey } from '../../src/renderer/review/keys';
import { reviewQueueOf, reviewRoute } from '../../src/renderer/review/review-route';
import { formatRoute, parseRoute } from '../../src/renderer/app/route';

const press = (key: string, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; altKey: boolean; shiftKey: boolean }> = {}) =>
  reviewKey({ key, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, ...mods });

describe('review keys', () => {
  it('maps the keys a person uses', () => {
    expect(press('Enter')).toEqual({ kind: 'accept' });
    expect(press('3')).toEqual({ kind: 'label', index: 2 });
    expect(press('0')).toBeNull();
    expect(press('s')).toEqual({ kind: 'skip' });
    expect(press('ArrowRight')).toEqual({ kind: 'skip' });
    expect(press('ArrowLeft')).toEqual({ kind: 'back' });
    expect(press('Escape')).toEqual({ kind: 'close' });
    expect(press('z', { ctrlKey: true })).toEqual({ kind: 'undo' });
    expect(press('Z', { ctrlKey: true, shiftKey: true })).toEqual({ kind: 'redo' });
    expect(press('1', { altKey: true })).toBeNull();
  });

  it('lives at #/library/ID/review/QUEUE, and Back leaves it', () => {
    const r = reviewRoute('7', 'likely-mislabelled');
    expect(formatRoute(r)).toBe('#/library/7/review/likely-mislabelled');
    expect(reviewQueueOf(parseRoute('#/library/7/review/likely-mislabelled')!)).toBe('likely-mislabelled');
    expect(reviewQueueOf(parseRoute('#/library/7/review')!)).toBe('label-next');
    expect(reviewQueueOf(parseRoute('#/library/7/label/review')!)).toBeNull();
    expect(reviewQueueOf(parseRoute('#/library/7')!)).toBeNull();
  });
});
