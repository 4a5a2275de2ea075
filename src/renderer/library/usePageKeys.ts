import { useEffect, useRef } from 'react';
import { isTyping } from '../app/App';

export interface PageKeyHandlers {
  onNew: () => void;
  onRename: () => void;
  onAdd: (folder: boolean) => void;
  onFocusGrid: () => void;
  onUndo: () => void;
  onRedo: () => void;
}

/**
 * The Library's page-level shortcuts (the grid handles its own keys and stops them):
 * N, F2, O, Shift+O, /, and Ctrl+Z / Ctrl+Shift+Z (Ctrl+Y) anywhere outside a text field.
 */
export function usePageKeys(active: boolean, hasDataset: boolean, h: PageKeyHandlers): void {
  const ref = useRef(h);
  ref.current = h;
  useEffect(() => {
    if (!active) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || isTyping(e.target) || e.altKey) return;
      if (document.querySelector('[role="dialog"],[role="alertdialog"],[role="menu"]')) return;
      const k = e.key;
      const mod = e.ctrlKey || e.metaKey;
      if (mod) {
        if (!hasDataset) return;
        if ((k === 'z' || k === 'Z') && !e.shiftKey) ref.current.onUndo();
        else if (((k === 'z' || k === 'Z') && e.shiftKey) || k === 'y' || k === 'Y') ref.current.onRedo();
        else return;
      } else if (k === 'n' || k === 'N') ref.current.onNew();
      else if (k === 'F2' && hasDataset) ref.current.onRename();
      else if ((k === 'o' || k === 'O') && hasDataset) ref.current.onAdd(e.shiftKey);
      else if (k === '/') ref.current.onFocusGrid();
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [active, hasDataset]);
}
