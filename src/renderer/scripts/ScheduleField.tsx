import { useState } from 'react';
import type { SavedScript } from '../../shared/contract';
import { messageOf } from '../lib/errors';

/** A saved script's cron schedule: the expression, on or off, and what it means. */
export function ScheduleField({ script, onChanged }: { script: SavedScript; onChanged: () => void }) {
  const [cron, setCron] = useState(script.schedule?.cron ?? '0 * * * *');
  const [enabled, setEnabled] = useState(script.schedule?.enabled ?? false);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const apply = async (next: { cron: string; enabled: boolean } | null) => {
    setBusy(true);
    setProblem(null);
    try {
      if (next) await window.loupe.call('scripts.schedule.set', { id: script.id, ...next });
      else await window.loupe.call('scripts.schedule.clear', { id: script.id });
      onChanged();
    } catch (err) {
      setProblem(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  const paused = script.schedule?.paused ?? null;
  return (
    <>
      {paused && (
        // Loupe paused it after three failed runs in a row (issue #12): say why, offer to resume.
        <div className="notice schedule-paused" role="alert" aria-label="Schedule paused">
          <span>{paused.reason} The schedule stays off until you resume it.</span>
          <button
            type="button"
            className="button small"
            disabled={busy}
            onClick={() => {
              setEnabled(true);
              void apply({ cron: script.schedule!.cron, enabled: true });
            }}
          >
            Resume schedule
          </button>
        </div>
      )}
      <form
        className="schedule-row"
        aria-label="Schedule"
        onSubmit={(e) => {
          e.preventDefault();
          void apply({ cron, enabled });
        }}
      >
        <label>
          Schedule (cron)
          <input value={cron} onChange={(e) => setCron(e.target.value)} placeholder="0 * * * *" aria-describedby="cron-help" spellCheck={false} />
        </label>
        <label className="check-label">
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Enabled
        </label>
        <button type="submit" className="button small" disabled={busy}>
          Set schedule
        </button>
        {script.schedule && (
          <button type="button" className="button small ghost" disabled={busy} onClick={() => void apply(null)}>
            Clear
          </button>
        )}
        <span id="cron-help" className="muted small">
          {script.schedule
            ? `${script.schedule.enabled ? 'Runs' : script.schedule.paused ? 'Paused by Loupe:' : 'Paused:'} on “${script.schedule.cron}” (minute hour day month weekday).`
            : 'minute hour day month weekday — “0 * * * *” is every hour.'}
        </span>
        {problem && (
          <span className="error small" role="alert">
            {problem}
          </span>
        )}
      </form>
    </>
  );
}
