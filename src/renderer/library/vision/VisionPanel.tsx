import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { DatasetDetail } from '../../../shared/contract';
import { messageOf } from '../../lib/errors';
import { percent } from '../../train/queries';
import '../../train/train.css';

type Tab = 'prediction' | 'next' | 'duplicates';
type Show = 'all' | 'unlabelled' | 'disagreeing';

/**
 * The Library's vision tools over the newest model and the cached embeddings:
 * pictures by prediction and confidence, "label next" (active learning), and
 * near-duplicate groups with one-click removal. Labelling here uses the same contract
 * call as the grid, so the grid and the label counts follow.
 */
export function VisionPanel({ detail, onClose }: { detail: DatasetDetail; onClose: () => void }) {
  const datasetId = detail.id;
  const queries = useQueryClient();
  const [tab, setTab] = useState<Tab>('prediction');
  const [show, setShow] = useState<Show>('all');
  const [predicted, setPredicted] = useState('');
  const [order, setOrder] = useState<'asc' | 'desc'>('asc');
  const [threshold, setThreshold] = useState(0.9);
  const [error, setError] = useState<string | null>(null);

  const preds = useQuery({
    queryKey: ['predictions', datasetId, show, predicted, order],
    queryFn: () =>
      window.loupe.call('vision.predictions', {
        datasetId,
        sort: 'confidence',
        order,
        limit: 300,
        ...(predicted ? { predicted } : {}),
        ...(show === 'unlabelled' ? { unlabelledOnly: true } : show === 'disagreeing' ? { disagreeing: true } : {}),
      }),
    enabled: tab === 'prediction',
  });
  const next = useQuery({
    queryKey: ['label-next', datasetId],
    queryFn: () => window.loupe.call('vision.labelNext', { datasetId, count: 40 }),
    enabled: tab === 'next',
  });
  const dups = useQuery({
    queryKey: ['duplicates', datasetId, threshold],
    queryFn: () => window.loupe.call('vision.nearDuplicates', { datasetId, threshold }),
    enabled: tab === 'duplicates',
  });

  const refresh = () =>
    Promise.all(
      [['dataset', datasetId], ['images', datasetId], ['predictions', datasetId], ['label-next', datasetId], ['duplicates', datasetId], ['datasets']].map((k) =>
        queries.invalidateQueries({ queryKey: k }),
      ),
    );
  const setLabel = useMutation({
    mutationFn: (v: { ids: string[]; label: string }) => window.loupe.call('images.setLabel', v),
    onSettled: refresh,
    onError: (err) => setError(messageOf(err)),
  });
  const remove = useMutation({
    mutationFn: (ids: string[]) => window.loupe.call('images.delete', { ids }),
    onSettled: refresh,
    onError: (err) => setError(messageOf(err)),
  });
  const labels = detail.labels.map((l) => l.name);

  const labelButtons = (id: string) => (
    <span className="wrong-row">
      {labels.slice(0, 9).map((l) => (
        <button key={l} type="button" className="button small" onClick={() => setLabel.mutate({ ids: [id], label: l })}>
          {l}
        </button>
      ))}
    </span>
  );

  return (
    <section className="vision-panel" aria-label="Vision tools">
      <div className="vision-tabs" role="toolbar" aria-label="Vision tools">
        <button type="button" className="button small" aria-pressed={tab === 'prediction'} onClick={() => setTab('prediction')}>
          By prediction
        </button>
        <button type="button" className="button small" aria-pressed={tab === 'next'} onClick={() => setTab('next')}>
          Label next
        </button>
        <button type="button" className="button small" aria-pressed={tab === 'duplicates'} onClick={() => setTab('duplicates')}>
          Near duplicates
        </button>
        <span className="spacer" />
        <button type="button" className="button ghost small" onClick={onClose}>
          Close
        </button>
      </div>
      {error && (
        <p className="notice" role="alert">
          {error}
        </p>
      )}

      {tab === 'prediction' && (
        <>
          <div className="vision-tabs">
            <select value={show} onChange={(e) => setShow(e.target.value as Show)} aria-label="Which pictures">
              <option value="all">All pictures</option>
              <option value="unlabelled">Unlabelled only</option>
              <option value="disagreeing">Label disagrees with model</option>
            </select>
            <select value={predicted} onChange={(e) => setPredicted(e.target.value)} aria-label="Predicted label">
              <option value="">Any prediction</option>
              {labels.map((l) => (
                <option key={l} value={l}>
                  Predicted “{l}”
                </option>
              ))}
            </select>
            <select value={order} onChange={(e) => setOrder(e.target.value as 'asc' | 'desc')} aria-label="Sort by confidence">
              <option value="asc">Least confident first</option>
              <option value="desc">Most confident first</option>
            </select>
          </div>
          {preds.data && preds.data.modelId === null && <p className="muted small">No model yet: label pictures with two labels first.</p>}
          <ul className="thumbs" data-testid="by-prediction">
            {preds.data?.items.map((p) => (
              <li key={p.id}>
                <figure>
                  <img src={window.loupe.thumbnailUrl(p.id)} alt={`Picture ${p.id}`} loading="lazy" />
                  <figcaption title={p.label ? `labelled ${p.label}` : 'unlabelled'}>
                    {p.predicted} · {percent(p.confidence)}
                  </figcaption>
                </figure>
                {p.label === null && labelButtons(p.id)}
              </li>
            ))}
          </ul>
        </>
      )}

      {tab === 'next' && (
        <>
          <p className="muted small">Unlabelled pictures the model is least sure of, spread across what the dataset holds. Label these first.</p>
          {next.data?.items.length === 0 && <p className="muted small">Nothing unlabelled (or not embedded yet).</p>}
          <ul className="thumbs" data-testid="label-next">
            {next.data?.items.map((n) => (
              <li key={n.id}>
                <img src={window.loupe.thumbnailUrl(n.id)} alt={`Picture ${n.id}`} loading="lazy" />
                {labelButtons(n.id)}
              </li>
            ))}
          </ul>
        </>
      )}

      {tab === 'duplicates' && (
        <>
          <label className="small">
            Similarity at least {threshold.toFixed(2)}{' '}
            <input type="range" min={0.7} max={0.995} step={0.005} value={threshold} onChange={(e) => setThreshold(Number(e.target.value))} />
          </label>
          {dups.data?.groups.length === 0 && <p className="muted small">No near duplicates at this similarity.</p>}
          {dups.data?.groups.map((g) => (
            <div key={g.keeper} className="dup-group">
              <div className="vision-tabs">
                <span className="small">{g.members.length} pictures; the highlighted one (largest) is kept.</span>
                <button
                  type="button"
                  className="button small danger"
                  onClick={() => remove.mutate(g.members.filter((m) => m.id !== g.keeper).map((m) => m.id))}
                >
                  Remove {g.members.length - 1} duplicate{g.members.length > 2 ? 's' : ''}
                </button>
              </div>
              <ul className="thumbs">
                {g.members.map((m) => (
                  <li key={m.id} className={m.id === g.keeper ? 'keeper' : ''}>
                    <img src={window.loupe.thumbnailUrl(m.id)} alt={`Picture ${m.id}`} loading="lazy" />
                    <span className="small muted">{m.id === g.keeper ? 'kept' : `${(m.similarity * 100).toFixed(1)} % alike`}</span>
                  </li>
                ))}
              </ul>
            </div>
          ))}
          {dups.data && dups.data.groups.length > 1 && (
            <button
              type="button"
              className="button danger"
              onClick={() => remove.mutate(dups.data!.groups.flatMap((g) => g.members.filter((m) => m.id !== g.keeper).map((m) => m.id)))}
            >
              Remove every duplicate, keep one per group
            </button>
          )}
        </>
      )}
    </section>
  );
}
