import { useEffect, useMemo, useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Model, Run } from '../../shared/contract';
import { codeOf, messageOf } from '../lib/errors';
import { Curves } from './Curves';
import { ConfusionMatrix, PerClassTable } from './Metrics';
import { ModelHistory, useModelVersions } from './ModelHistory';
import { percent, useCurrentDataset, useRuns, useTrainPrefs, useVisionStatus } from './queries';
import './train.css';
import { Notice } from '../app/Notice';
import type { Route } from '../app/route';

/** Downloads a model's ONNX file: over HTTP in the browser (the session cookie signs it), through the contract on the desktop. */
export async function exportModel(m: Model): Promise<string | null> {
  if (window.loupe.shell === 'browser') {
    const a = document.createElement('a');
    a.href = `/v1/models/${encodeURIComponent(m.id)}/export`;
    a.download = `${m.name.replace(/[^A-Za-z0-9._-]+/g, '-')}.onnx`;
    document.body.append(a);
    a.click();
    a.remove();
    return null;
  }
  const r = await window.loupe.call('models.export', { id: m.id });
  return `Exported to ${r.path}`;
}

type Compared = NonNullable<NonNullable<Run['activation']>['comparedWith']>;

/** Both scores and the pictures they were made on: accepted guesses of the active model do not count for it. */
function comparedOn(c: Compared, activated: boolean): string {
  if (c.newAccuracy === undefined || c.pictures === undefined) return `it scores ${percent(c.accuracy)} on the same pictures`;
  const both = activated
    ? `${percent(c.newAccuracy)} against ${percent(c.accuracy)} for the model it replaces on the same ${c.pictures} held-out pictures`
    : `it scores ${percent(c.accuracy)} against this run's ${percent(c.newAccuracy)} on the same ${c.pictures} held-out pictures`;
  if (c.fallback) return `${both} (too few labelled by hand, so ${c.leftOut} accepted guesses of the active model counted too)`;
  return c.leftOut ? `${both}; ${c.leftOut} labelled by accepting its guesses left out` : both;
}

function RunStatus({ run }: { run: Run }) {
  const last = run.history[run.history.length - 1];
  if (run.status === 'running') {
    return (
      <p className="run-status" role="status">
        Training… {last ? `epoch ${last.epoch} of at most ${last.epochs}` : 'embedding pictures'}
      </p>
    );
  }
  if (run.status === 'queued')
    return (
      <p className="run-status" role="status">
        Waiting to start…
      </p>
    );
  if (run.status === 'failed')
    return (
      <p className="run-status error" role="alert">
        {run.error?.message ?? 'Training failed.'}
      </p>
    );
  if (run.status === 'cancelled') return <p className="run-status muted">Cancelled.</p>;
  const a = run.activation;
  return (
    <p className="run-status" role="status" data-testid="run-done">
      Finished: {percent(run.metrics?.accuracy ?? 0)} accuracy on {run.counts?.validation ?? 0} held-out pictures
      {run.counts ? ` (trained on ${run.counts.train}${run.counts.augmented ? ` and ${run.counts.augmented} augmented copies` : ''})` : ''}.
      {a?.reason === 'worse' && a.comparedWith
        ? ` The active model stays: ${comparedOn(a.comparedWith, false)}.`
        : a?.reason === 'pinned'
          ? ' The pinned model stays active.'
          : a?.activated && a.comparedWith
            ? ` It is now the active model: ${comparedOn(a.comparedWith, true)}.`
            : a?.activated
              ? ' It is now the active model.'
              : ''}
    </p>
  );
}

export function TrainPage({ routeId, onNavigate }: { routeId?: string; onNavigate?: (r: Route, o?: { replace?: boolean }) => void }) {
  const { dataset } = useCurrentDataset(routeId);
  const datasetId = dataset?.id ?? null;
  // The address names the dataset shown (`#/train/3`), filled in without a Back step.
  useEffect(() => {
    if (datasetId && routeId !== datasetId) onNavigate?.({ page: 'train', id: datasetId }, { replace: true });
  }, [datasetId, routeId, onNavigate]);
  const runs = useRuns(datasetId);
  const versions = useModelVersions(datasetId);
  const status = useVisionStatus(datasetId);
  const [notice, setNotice] = useState<string | null>(null);
  const [cell, setCell] = useState<{ truth: string; predicted: string; ids: string[] } | null>(null);
  const prefs = useTrainPrefs(datasetId);
  const queries = useQueryClient();
  // The box shows the dataset's stored preference; ticking it stores it at once, so the
  // automatic retrains after labelling augment too, not only "Train now".
  const augment = prefs.data?.augment ?? false;
  const setAugment = useMutation({
    mutationFn: (value: boolean) => window.loupe.call('training.setPrefs', { datasetId: datasetId!, augment: value }),
    onSuccess: (p) => queries.setQueryData(['train-prefs', datasetId], p),
    onError: (err) => setNotice(messageOf(err)),
  });

  const list = useMemo(() => runs.data?.items ?? [], [runs.data]);
  const latest = list[0] ?? null;
  const shown = useMemo(() => list.find((r) => r.status === 'succeeded') ?? null, [list]);
  const active = latest && (latest.status === 'running' || latest.status === 'queued') ? latest : null;

  const [unchanged, setUnchanged] = useState(false);
  const train = useMutation({
    mutationFn: (force: boolean) => window.loupe.call('training.start', { datasetId: datasetId!, params: { augment }, force }),
    onMutate: () => (setUnchanged(false), setNotice(null)),
    onError: (err) => {
      setNotice(messageOf(err));
      // "Nothing changed since …": offer to train anyway.
      setUnchanged(codeOf(err) === 'conflict');
    },
  });
  const cancel = useMutation({
    mutationFn: (runId: string) => window.loupe.call('training.cancel', { runId }),
    onError: (err) => setNotice(messageOf(err)),
  });
  const onExport = (m: Model) => exportModel(m).then(setNotice, (err: unknown) => setNotice(messageOf(err)));

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || (t && /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
      if ((e.key === 't' || e.key === 'T') && datasetId && !active) {
        e.preventDefault();
        train.mutate(false);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [datasetId, active, train]);

  if (!dataset) {
    return (
      <section className="page train" aria-labelledby="train-title">
        <h1 id="train-title">Train</h1>
        <p className="muted pad">Create a dataset in the Library first.</p>
      </section>
    );
  }
  const activeModel = versions.data?.items.find((m) => m.active);
  return (
    <section className="page train" aria-labelledby="train-title">
      <header className="toolbar">
        <h1 id="train-title" className="toolbar-title">
          Train · {dataset.name}
        </h1>
        <span className="muted small" aria-live="polite">
          {status.data ? `${status.data.embedded} of ${status.data.images} pictures embedded` : ''}
          {status.data?.error ? ` · ${status.data.error}` : ''}
        </span>
        <span className="spacer" />
        {active ? (
          <button type="button" className="button" onClick={() => cancel.mutate(active.id)}>
            Cancel training
          </button>
        ) : null}
        <label
          className="small"
          title="Also train on flipped, cropped and colour-changed copies of each picture (computed once, then cached); automatic retrains after labelling do too"
        >
          <input
            type="checkbox"
            checked={setAugment.isPending ? Boolean(setAugment.variables) : augment}
            disabled={!prefs.data}
            onChange={(e) => setAugment.mutate(e.target.checked)}
          />{' '}
          Augment (flips, crops, colour)
        </label>
        <button
          type="button"
          className="button primary"
          onClick={() => train.mutate(false)}
          disabled={Boolean(active) || train.isPending}
          title="Train now (T)"
        >
          Train now
        </button>
        <button
          type="button"
          className="button"
          disabled={!activeModel}
          onClick={() => activeModel && onExport(activeModel)}
          title="Export the active model as ONNX"
        >
          Export model
        </button>
      </header>
      <Notice text={notice} onDismiss={() => (setNotice(null), setUnchanged(false))} />
      {unchanged && (
        <p className="notice-row">
          <button type="button" className="button small" onClick={() => train.mutate(true)}>
            Train anyway
          </button>
        </p>
      )}
      <div className="train-body">
        {latest ? <RunStatus run={latest} /> : <p className="muted">No training yet. Label pictures with two or more labels, or press “Train now”.</p>}
        {latest && latest.history.length > 0 && <Curves history={latest.history} title={`Loss and accuracy of run ${latest.id}`} />}
        {shown?.metrics && (
          <div className="train-metrics">
            <section aria-labelledby="per-label-title">
              <h2 id="per-label-title">Per label</h2>
              <PerClassTable metrics={shown.metrics} />
            </section>
            <section aria-labelledby="confusion-title">
              <h2 id="confusion-title">Confusion</h2>
              <ConfusionMatrix metrics={shown.metrics} examples={shown.examples} onOpen={setCell} />
              <p className="muted small">Click a number to see those pictures.</p>
            </section>
          </div>
        )}
        {cell && (
          <section className="cell-pictures" aria-labelledby="cell-title">
            <header>
              <h2 id="cell-title">
                “{cell.truth}” predicted as “{cell.predicted}” · {cell.ids.length}
              </h2>
              <button type="button" className="button ghost small" onClick={() => setCell(null)}>
                Close
              </button>
            </header>
            <ul className="thumbs">
              {cell.ids.map((id) => (
                <li key={id}>
                  <img src={window.loupe.thumbnailUrl(id)} alt={`Picture ${id}`} loading="lazy" />
                </li>
              ))}
            </ul>
          </section>
        )}
        <ModelHistory datasetId={dataset.id} onExport={onExport} onNotice={setNotice} />
      </div>
    </section>
  );
}
