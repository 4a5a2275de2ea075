import { useEffect, useRef, useState } from 'react';
import { z } from 'zod';

const KEY = 'scripts.current';
const SAVE_AFTER_MS = 300;

/** What the editor holds: stored as you type, restored when the page opens again. */
export const StoredDraft = z.object({ id: z.string().nullable(), name: z.string(), source: z.string(), dirty: z.boolean() });
export type StoredDraft = z.infer<typeof StoredDraft>;

/**
 * Keeps the Scripts page's editor in the app's database (drafts.set) a moment after each
 * change, and at once when the page closes, so leaving the page, reloading or restarting
 * Loupe loses nothing. `restored` is undefined while loading, null when there is no draft.
 */
export function useScriptDraft() {
  const [restored, setRestored] = useState<StoredDraft | null | undefined>(undefined);
  const pending = useRef<StoredDraft | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  useEffect(() => {
    let live = true;
    window.loupe.call('drafts.get', { key: KEY }).then(
      ({ value }) => {
        if (!live) return;
        const parsed = value === null ? null : StoredDraft.safeParse(safeJson(value));
        setRestored(parsed && parsed.success ? parsed.data : null);
      },
      () => live && setRestored(null),
    );
    return () => {
      live = false;
      flush();
    };
  }, []);

  const flush = () => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
    const d = pending.current;
    pending.current = null;
    if (d) void window.loupe.call('drafts.set', { key: KEY, value: JSON.stringify(d) }).catch(() => undefined);
  };

  const keep = (d: StoredDraft) => {
    pending.current = d;
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(flush, SAVE_AFTER_MS);
  };

  return { restored, keep, flush };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
