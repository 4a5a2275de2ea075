/**
 * The grid's selection model, kept free of React and the DOM so it can be tested in Node.
 * State is held by image id, not by index: the list under it changes (pages arrive, a
 * relabel under a filter removes pictures), and a selection must survive that.
 */
export interface Selection {
  /** Selected image ids. */
  readonly selected: ReadonlySet<string>;
  /** The id with the keyboard focus (the roving cursor), or null before the first move. */
  readonly focus: string | null;
  /** Where a shift-range starts. */
  readonly anchor: string | null;
}

export const emptySelection: Selection = { selected: new Set(), focus: null, anchor: null };

export interface Modifiers {
  shift?: boolean;
  /** Ctrl on Linux/Windows, Cmd on macOS: toggle one without losing the others. */
  toggle?: boolean;
}

function range(ids: readonly string[], a: string | null, b: string): string[] {
  const j = ids.indexOf(b);
  const i = a === null ? -1 : ids.indexOf(a);
  if (i < 0 || j < 0) return [b];
  const [lo, hi] = i <= j ? [i, j] : [j, i];
  return ids.slice(lo, hi + 1);
}

/** A click (or Space) on one picture. */
export function clickItem(sel: Selection, ids: readonly string[], id: string, mods: Modifiers = {}): Selection {
  if (mods.shift) {
    const anchor = sel.anchor ?? sel.focus ?? id;
    const next = new Set(mods.toggle ? sel.selected : []);
    for (const r of range(ids, anchor, id)) next.add(r);
    return { selected: next, focus: id, anchor };
  }
  if (mods.toggle) {
    const next = new Set(sel.selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    return { selected: next, focus: id, anchor: id };
  }
  return { selected: new Set([id]), focus: id, anchor: id };
}

/**
 * Moves the focus by `delta` positions (±1 for left/right, ±columns for up/down), clamped
 * to the list. Without shift the selection follows the focus; with shift it grows from the
 * anchor, as in every file manager.
 */
export function moveFocus(sel: Selection, ids: readonly string[], delta: number, mods: Modifiers = {}): Selection {
  if (ids.length === 0) return sel;
  const at = sel.focus === null ? -1 : ids.indexOf(sel.focus);
  let to: number;
  if (at < 0) to = delta >= 0 ? 0 : ids.length - 1;
  else to = Math.min(ids.length - 1, Math.max(0, at + delta));
  const id = ids[to];
  if (mods.shift) {
    const anchor = sel.anchor ?? sel.focus ?? id;
    return { selected: new Set(range(ids, anchor, id)), focus: id, anchor };
  }
  return { selected: new Set([id]), focus: id, anchor: id };
}

/** Moves to the first or last picture (Home / End). */
export function jumpTo(sel: Selection, ids: readonly string[], where: 'first' | 'last', mods: Modifiers = {}): Selection {
  if (ids.length === 0) return sel;
  const target = where === 'first' ? 0 : ids.length - 1;
  const at = sel.focus === null ? 0 : Math.max(0, ids.indexOf(sel.focus));
  return moveFocus(sel.focus === null ? { ...sel, focus: ids[0] } : sel, ids, target - at, mods);
}

export function selectAll(sel: Selection, ids: readonly string[]): Selection {
  return { selected: new Set(ids), focus: sel.focus ?? ids[0] ?? null, anchor: sel.anchor ?? ids[0] ?? null };
}

export function clearSelection(sel: Selection): Selection {
  return { selected: new Set(), focus: sel.focus, anchor: null };
}

/**
 * The ids an action applies to: the selection, or the focused picture when nothing is
 * selected (so a lone focused picture can be labelled without selecting it first).
 */
export function targets(sel: Selection, ids: readonly string[]): string[] {
  const present = ids.filter((id) => sel.selected.has(id));
  if (present.length > 0) return present;
  return sel.focus !== null && ids.includes(sel.focus) ? [sel.focus] : [];
}

/**
 * Re-aims the selection after the list changed (pictures deleted, or moved out of the
 * current filter by a relabel): drops vanished ids and, if the focus vanished, puts it on
 * the picture that now sits where it was, so the keyboard keeps its place.
 */
export function reconcile(sel: Selection, before: readonly string[], after: readonly string[]): Selection {
  const alive = new Set(after);
  const selected = new Set([...sel.selected].filter((id) => alive.has(id)));
  let focus = sel.focus;
  if (focus !== null && !alive.has(focus)) {
    const was = before.indexOf(focus);
    // The first survivor at or after the old position, else the one just before it.
    let next: string | null = null;
    for (let i = Math.max(0, was); i < before.length && next === null; i++) if (alive.has(before[i])) next = before[i];
    for (let i = was - 1; i >= 0 && next === null; i--) if (alive.has(before[i])) next = before[i];
    focus = next ?? after[0] ?? null;
    if (focus !== null && sel.selected.size <= 1) selected.add(focus);
  }
  const anchor = sel.anchor !== null && alive.has(sel.anchor) ? sel.anchor : focus;
  if (selected.size === sel.selected.size && focus === sel.focus && anchor === sel.anchor) return sel;
  return { selected, focus, anchor };
}
