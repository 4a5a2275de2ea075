/**
 * What a key press in the picture grid means, as data. DOM-free: a KeyboardEvent is
 * matched structurally, so the mapping is tested in Node and the help dialog lists the
 * same table the grid obeys.
 */
export interface KeyLike {
  key: string;
  shiftKey?: boolean;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
}

export type GridAction =
  | { kind: 'move'; by: 'left' | 'right' | 'up' | 'down' | 'pageUp' | 'pageDown'; extend: boolean }
  | { kind: 'jump'; to: 'first' | 'last'; extend: boolean }
  | { kind: 'assign'; labelIndex: number }
  | { kind: 'clearLabel' }
  | { kind: 'selectAll' }
  | { kind: 'clearSelection' }
  | { kind: 'toggle' }
  | { kind: 'pickLabel' }
  | { kind: 'accept' }
  | { kind: 'view' }
  | { kind: 'delete' };

export function gridAction(e: KeyLike): GridAction | null {
  const mod = Boolean(e.ctrlKey || e.metaKey);
  const extend = Boolean(e.shiftKey);
  if (e.altKey) return null;
  if (mod) return e.key === 'a' || e.key === 'A' ? { kind: 'selectAll' } : e.key === ' ' ? { kind: 'toggle' } : null;
  switch (e.key) {
    case 'ArrowLeft':
      return { kind: 'move', by: 'left', extend };
    case 'ArrowRight':
      return { kind: 'move', by: 'right', extend };
    case 'ArrowUp':
      return { kind: 'move', by: 'up', extend };
    case 'ArrowDown':
      return { kind: 'move', by: 'down', extend };
    case 'PageUp':
      return { kind: 'move', by: 'pageUp', extend };
    case 'PageDown':
      return { kind: 'move', by: 'pageDown', extend };
    case 'Home':
      return { kind: 'jump', to: 'first', extend };
    case 'End':
      return { kind: 'jump', to: 'last', extend };
    case 'Escape':
      return { kind: 'clearSelection' };
    case ' ':
      return { kind: 'view' };
    case 'l':
    case 'L':
      return { kind: 'pickLabel' };
    case 'Enter':
      return { kind: 'accept' };
    case 'Delete':
    case 'Backspace':
      return { kind: 'delete' };
    case '0':
      return { kind: 'clearLabel' };
  }
  if (/^[1-9]$/.test(e.key) && !extend) return { kind: 'assign', labelIndex: Number(e.key) - 1 };
  return null;
}

/** How many positions a move covers, given the grid's columns and visible rows. */
export function moveDelta(by: 'left' | 'right' | 'up' | 'down' | 'pageUp' | 'pageDown', columns: number, visibleRows: number): number {
  const page = columns * Math.max(1, visibleRows - 1);
  switch (by) {
    case 'left':
      return -1;
    case 'right':
      return 1;
    case 'up':
      return -columns;
    case 'down':
      return columns;
    case 'pageUp':
      return -page;
    case 'pageDown':
      return page;
  }
}

/** Columns that fit a width, each at least `min` px wide with `gap` px between. */
export function columnsFor(width: number, min: number, gap: number): number {
  return Math.max(1, Math.floor((width + gap) / (min + gap)));
}

export interface Shortcut {
  keys: string[];
  does: string;
}
export interface ShortcutGroup {
  title: string;
  items: Shortcut[];
}

/** Every shortcut in the app, shown by the help dialog (`?`). Keep in step with the handlers. */
export const shortcutGroups: ShortcutGroup[] = [
  {
    title: 'Anywhere',
    items: [
      { keys: ['?'], does: 'Show this list of shortcuts (also F1)' },
      { keys: ['Alt', '1…6'], does: 'Go to Library, Train, Play, Scripts, Tasks, Settings' },
      { keys: ['Esc'], does: 'Close a dialog, or clear the selection' },
    ],
  },
  {
    title: 'Library',
    items: [
      { keys: ['N'], does: 'New dataset' },
      { keys: ['F2'], does: 'Rename the dataset' },
      { keys: ['O'], does: 'Add pictures…' },
      { keys: ['Shift', 'O'], does: 'Add a folder… (sub-folder names become labels)' },
      { keys: ['/'], does: 'Focus the picture grid' },
    ],
  },
  {
    title: 'Picture grid',
    items: [
      { keys: ['←', '→', '↑', '↓'], does: 'Move the focus' },
      { keys: ['Shift', '←→↑↓'], does: 'Extend the selection' },
      { keys: ['PgUp', 'PgDn', 'Home', 'End'], does: 'Move by a screen, or to the ends' },
      { keys: ['Click'], does: 'Select one picture' },
      { keys: ['Shift', 'Click'], does: 'Select a range' },
      { keys: ['Ctrl/⌘', 'Click'], does: 'Add or remove one picture' },
      { keys: ['Space'], does: 'Show the focused picture full size (+ and − zoom, ← → next, Esc closes)' },
      { keys: ['Ctrl/⌘', 'Space'], does: 'Add or remove the focused picture' },
      { keys: ['Ctrl/⌘', 'A'], does: 'Select all pictures in view' },
      { keys: ['1…9'], does: 'Give the selection the n-th label in the sidebar' },
      { keys: ['0'], does: 'Remove the label' },
      { keys: ['Enter'], does: 'Accept the model’s guess for the selection' },
      { keys: ['L'], does: 'Pick or create a label by name' },
      { keys: ['Right-click'], does: 'Label, accept, remove or delete from a menu' },
      { keys: ['Drag'], does: 'Drop the selection on a label in the sidebar to label it' },
      { keys: ['Delete'], does: 'Delete the selected pictures (asks first)' },
      { keys: ['Ctrl/⌘', 'Z'], does: 'Undo the last labelling action' },
      { keys: ['Ctrl/⌘', 'Shift', 'Z'], does: 'Redo (also Ctrl+Y)' },
    ],
  },
  {
    title: 'Train',
    items: [{ keys: ['T'], does: 'Train the selected dataset now' }],
  },
  {
    title: 'Scripts',
    items: [
      { keys: ['Ctrl/⌘', 'Enter'], does: 'Run the script' },
      { keys: ['Ctrl/⌘', 'S'], does: 'Save the script' },
      { keys: ['Ctrl/⌘', 'Space'], does: 'Complete a name' },
    ],
  },
];
