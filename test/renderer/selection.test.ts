import { describe, expect, it } from 'vitest';
import { clickItem, emptySelection, moveFocus, reconcile, selectAll, targets, jumpTo, clearSelection } from '../../src/renderer/lib/selection';

const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
const sorted = (s: ReadonlySet<string>) => [...s].sort();

describe('grid selection', () => {
  it('a plain click selects only that picture', () => {
    let s = clickItem(emptySelection, ids, 'c');
    s = clickItem(s, ids, 'e');
    expect(sorted(s.selected)).toEqual(['e']);
    expect(s.focus).toBe('e');
  });

  it('shift-click selects the range from the anchor, in either direction', () => {
    let s = clickItem(emptySelection, ids, 'c');
    s = clickItem(s, ids, 'f', { shift: true });
    expect(sorted(s.selected)).toEqual(['c', 'd', 'e', 'f']);
    s = clickItem(s, ids, 'a', { shift: true });
    expect(sorted(s.selected)).toEqual(['a', 'b', 'c']);
  });

  it('ctrl-click toggles one without losing the rest', () => {
    let s = clickItem(emptySelection, ids, 'a');
    s = clickItem(s, ids, 'c', { toggle: true });
    s = clickItem(s, ids, 'a', { toggle: true });
    expect(sorted(s.selected)).toEqual(['c']);
  });

  it('arrow keys move by one or by a row and stop at the ends', () => {
    let s = moveFocus(emptySelection, ids, 1);
    expect(s.focus).toBe('a');
    s = moveFocus(s, ids, 4);
    expect(s.focus).toBe('e');
    s = moveFocus(s, ids, 4);
    expect(s.focus).toBe('h');
    s = moveFocus(s, ids, -100);
    expect(s.focus).toBe('a');
    expect(sorted(s.selected)).toEqual(['a']);
  });

  it('shift-arrows grow the selection from the anchor', () => {
    let s = clickItem(emptySelection, ids, 'b');
    s = moveFocus(s, ids, 1, { shift: true });
    s = moveFocus(s, ids, 1, { shift: true });
    expect(sorted(s.selected)).toEqual(['b', 'c', 'd']);
    s = moveFocus(s, ids, -3, { shift: true });
    expect(sorted(s.selected)).toEqual(['a', 'b']);
  });

  it('Home and End jump to the ends', () => {
    let s = clickItem(emptySelection, ids, 'd');
    s = jumpTo(s, ids, 'last');
    expect(s.focus).toBe('h');
    s = jumpTo(s, ids, 'first', { shift: true });
    expect(s.selected.size).toBe(8);
  });

  it('select all, then clear, keeps the focus', () => {
    let s = clickItem(emptySelection, ids, 'c');
    s = selectAll(s, ids);
    expect(s.selected.size).toBe(8);
    s = clearSelection(s);
    expect(s.selected.size).toBe(0);
    expect(s.focus).toBe('c');
  });

  it('actions apply to the selection, or to the focused picture when nothing is selected', () => {
    let s = clickItem(emptySelection, ids, 'b');
    s = clickItem(s, ids, 'd', { shift: true });
    expect(targets(s, ids)).toEqual(['b', 'c', 'd']);
    expect(targets(clearSelection(s), ids)).toEqual(['d']);
    expect(targets(emptySelection, ids)).toEqual([]);
  });

  it('after a relabel removes the focused picture from view, the next one takes focus', () => {
    const s = clickItem(emptySelection, ids, 'c');
    const after = ids.filter((id) => id !== 'c');
    const r = reconcile(s, ids, after);
    expect(r.focus).toBe('d');
    expect(sorted(r.selected)).toEqual(['d']);
    // The last one gone: focus falls back to the one before it.
    const last = reconcile(clickItem(emptySelection, ids, 'h'), ids, ids.slice(0, 7));
    expect(last.focus).toBe('g');
  });

  it('reconcile drops vanished ids from a multi-selection and keeps the rest', () => {
    let s = clickItem(emptySelection, ids, 'b');
    s = clickItem(s, ids, 'e', { shift: true });
    const r = reconcile(
      s,
      ids,
      ids.filter((id) => id !== 'c'),
    );
    expect(sorted(r.selected)).toEqual(['b', 'd', 'e']);
    expect(reconcile(r, ids, ids)).toBe(r);
  });
});
