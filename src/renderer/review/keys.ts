/** What a key press means in review mode (DOM-free, so it is tested in Node). */
export type ReviewKey =
  { kind: 'accept' } | { kind: 'label'; index: number } | { kind: 'skip' } | { kind: 'back' } | { kind: 'undo' } | { kind: 'redo' } | { kind: 'close' } | null;

export function reviewKey(e: { key: string; code?: string; ctrlKey: boolean; metaKey: boolean; altKey: boolean; shiftKey: boolean }): ReviewKey {
  const mod = e.ctrlKey || e.metaKey;
  if (mod && !e.altKey && e.key.toLowerCase() === 'z') return e.shiftKey ? { kind: 'redo' } : { kind: 'undo' };
  if (mod && !e.altKey && e.key.toLowerCase() === 'y') return { kind: 'redo' };
  if (mod || e.altKey) return null;
  if (e.key === 'Enter') return { kind: 'accept' };
  if (/^[1-9]$/.test(e.key)) return { kind: 'label', index: Number(e.key) - 1 };
  if (e.key === 's' || e.key === 'S' || e.key === 'ArrowRight' || e.key === ' ') return { kind: 'skip' };
  if (e.key === 'ArrowLeft') return { kind: 'back' };
  if (e.key === 'Escape') return { kind: 'close' };
  return null;
}
