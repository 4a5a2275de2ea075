import { describe, expect, it } from 'vitest';
import { columnsFor, gridAction, moveDelta, shortcutGroups } from '../../src/renderer/lib/grid-keys';

describe('grid keys', () => {
  it('digits assign the n-th label and 0 clears', () => {
    expect(gridAction({ key: '1' })).toEqual({ kind: 'assign', labelIndex: 0 });
    expect(gridAction({ key: '9' })).toEqual({ kind: 'assign', labelIndex: 8 });
    expect(gridAction({ key: '0' })).toEqual({ kind: 'clearLabel' });
  });
  it('ctrl or cmd A selects all; other chords are left to the browser', () => {
    expect(gridAction({ key: 'a', ctrlKey: true })).toEqual({ kind: 'selectAll' });
    expect(gridAction({ key: 'a', metaKey: true })).toEqual({ kind: 'selectAll' });
    expect(gridAction({ key: 'r', ctrlKey: true })).toBeNull();
    expect(gridAction({ key: '1', altKey: true })).toBeNull();
  });
  it('arrows move, shift extends, L picks, Delete deletes', () => {
    expect(gridAction({ key: 'ArrowDown', shiftKey: true })).toEqual({ kind: 'move', by: 'down', extend: true });
    expect(gridAction({ key: 'L' })).toEqual({ kind: 'pickLabel' });
    expect(gridAction({ key: 'Delete' })).toEqual({ kind: 'delete' });
    expect(moveDelta('up', 5, 4)).toBe(-5);
    expect(moveDelta('pageDown', 5, 4)).toBe(15);
  });
  it('fits columns to the width', () => {
    expect(columnsFor(1000, 180, 8)).toBe(5);
    expect(columnsFor(100, 180, 8)).toBe(1);
  });
  it('the help lists the digit, L and Delete shortcuts the grid obeys', () => {
    const all = shortcutGroups.flatMap((g) => g.items.map((i) => i.keys.join(' ')));
    for (const k of ['1…9', '0', 'L', 'Delete', '?']) expect(all).toContain(k);
  });
});
