import { useCallback, useEffect, useRef, useState } from 'react';
import type { ScriptError } from '../../shared/contract';
import { messageOf } from '../lib/errors';

export type RunState = 'idle' | 'starting' | 'running' | 'stopping';

export interface RunView {
  state: RunState;
  output: string;
  error: ScriptError | null;
  /** A problem starting or stopping the run (not the script's own error). */
  problem: string | null;
  value: unknown;
  finished: boolean;
  /** The run ended because it was stopped. */
  cancelled: boolean;
}

const EMPTY: RunView = { state: 'idle', output: '', error: null, problem: null, value: undefined, finished: false, cancelled: false };
/** A run that ended because it was stopped: the engine ends it with a limit error. */
function isCancel(error: ScriptError | null, stopping: boolean): boolean {
  return error !== null && error.kind === 'limit' && (stopping || error.message === 'Cancelled.');
}

/** The console keeps the last 200 000 characters; a chatty script still runs to its end. */
const KEEP = 200_000;

/**
 * One run at a time from the Scripts page: starts it as a `script` task, follows its
 * output and end through events, stops it. Events that arrive before the run id is known
 * (a fast script) are held by run id and picked up once it is.
 */
export function useScriptRun() {
  const [view, setView] = useState<RunView>(EMPTY);
  const current = useRef<string | null>(null);
  /** Stop pressed before the run id came back: stop as soon as it does. */
  const stopEarly = useRef(false);
  const early = useRef(new Map<string, { output: string; finished?: { ok: boolean; value: unknown; error: ScriptError | null } }>());

  useEffect(() => {
    const held = (runId: string) => {
      let h = early.current.get(runId);
      if (!h) {
        h = { output: '' };
        early.current.set(runId, h);
        if (early.current.size > 20) early.current.delete(early.current.keys().next().value!);
      }
      return h;
    };
    const offOut = window.loupe.on('script.output', ({ runId, text }) => {
      if (runId !== current.current) {
        held(runId).output += text;
        return;
      }
      setView((v) => ({ ...v, output: (v.output + text).slice(-KEEP) }));
    });
    const offEnd = window.loupe.on('script.finished', ({ runId, ok, value, error }) => {
      if (runId !== current.current) {
        held(runId).finished = { ok, value, error };
        return;
      }
      // A stop ends the run with a limit error ("Cancelled."): it reads as cancelled, not as the script failing.
      setView((v) => ({ ...v, state: 'idle', finished: true, value: ok ? value : undefined, error, cancelled: isCancel(error, v.state === 'stopping') }));
    });
    // A run stopped before its worker started ends without script.finished: its task says so.
    const offTask = window.loupe.on('task.updated', (t) => {
      if (t.id !== current.current || !['cancelled', 'dead', 'succeeded'].includes(t.state)) return;
      setView((v) =>
        v.finished
          ? v
          : {
              ...v,
              state: 'idle',
              finished: true,
              cancelled: t.state === 'cancelled',
              problem: t.state === 'cancelled' ? 'Stopped.' : (t.error?.message ?? null),
            },
      );
    });
    return () => {
      offOut();
      offEnd();
      offTask();
    };
  }, []);

  const run = useCallback(async (source: string, scriptId?: string | null) => {
    current.current = null;
    stopEarly.current = false;
    setView({ ...EMPTY, state: 'starting' });
    try {
      const { runId } = await window.loupe.call('scripts.run', { source, ...(scriptId ? { scriptId } : {}) });
      current.current = runId;
      const h = early.current.get(runId);
      early.current.delete(runId);
      setView((v) => ({
        ...v,
        state: h?.finished ? 'idle' : 'running',
        output: h?.output ?? '',
        finished: !!h?.finished,
        value: h?.finished?.ok ? h.finished.value : undefined,
        error: h?.finished?.error ?? null,
        cancelled: isCancel(h?.finished?.error ?? null, stopEarly.current),
      }));
      if (stopEarly.current && !h?.finished) {
        setView((v) => ({ ...v, state: 'stopping' }));
        await window.loupe.call('scripts.stop', { runId });
      }
    } catch (err) {
      setView({ ...EMPTY, problem: messageOf(err) });
    }
  }, []);

  const stop = useCallback(async () => {
    const runId = current.current;
    if (!runId) {
      stopEarly.current = true;
      setView((v) => ({ ...v, state: 'stopping' }));
      return;
    }
    setView((v) => ({ ...v, state: 'stopping' }));
    try {
      await window.loupe.call('scripts.stop', { runId });
    } catch (err) {
      setView((v) => ({ ...v, problem: messageOf(err) }));
    }
  }, []);

  const clear = useCallback(() => setView((v) => ({ ...EMPTY, state: v.state })), []);

  return { view, run, stop, clear };
}
