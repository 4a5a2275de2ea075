import { useQuery } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { ReviewItem, ReviewQueueName } from '../../shared/contract';
import type { Route } from '../app/route';
import { isTyping } from '../app/App';
import { hueOf } from '../lib/label-color';
import { messageOf } from '../lib/errors';
import { useDataset } from '../library/queries';
import { useLabelling } from '../library/labelling/useLabelling';
import { UndoNotice } from '../library/labelling/UndoNotice';
import { reviewKey } from './keys';
import { QUEUES, reviewRoute } from './review-route';
import './review.css';

const AUTO_KEY = 'loupe.review.autoAdvance';
const LIMIT = 200;

const pct = (c: number | null) => (c === null ? '' : `${Math.round(c * 100)} %`);

/**
 * Review mode: one picture large with the model's three best guesses; Enter accepts the
 * guess (or, in "Likely mislabelled", the suggested label), 1–9 correct it, S or → skip,
 * ← goes back, Esc leaves. Every action is the Library's own labelling action, so Ctrl+Z
 * undoes it. The queue is fetched once on entry and stays put while the person works
 * through it (labelling would otherwise reshuffle it under their fingers).
 */
export function ReviewMode({ datasetId, queue, onNavigate }: { datasetId: string; queue: ReviewQueueName; onNavigate: (r: Route) => void }) {
  const dataset = useDataset(datasetId).data;
  const labels = useMemo(() => dataset?.labels ?? [], [dataset]);
  const labelling = useLabelling(datasetId);
  const q = useQuery({
    queryKey: ['review', datasetId, queue],
    queryFn: () => window.loupe.call('review.queue', { datasetId, queue, limit: LIMIT }),
    staleTime: Infinity,
    gcTime: 0,
    refetchOnWindowFocus: false,
  });
  /** Later batches, fetched as the person nears the end of what is loaded (a queue can hold thousands). */
  const [more, setMore] = useState<{ items: ReviewItem[]; full: boolean; loading: boolean }>({ items: [], full: true, loading: false });
  const items = useMemo(() => [...(q.data?.items ?? []), ...more.items], [q.data, more.items]);
  const [pos, setPos] = useState(0);
  /** What the person did to each picture here: its label now. */
  const [done, setDone] = useState<Map<string, string>>(new Map());
  const [auto, setAuto] = useState(() => localStorage.getItem(AUTO_KEY) !== '0');
  useEffect(() => {
    setPos(0);
    setDone(new Map());
    setMore({ items: [], full: true, loading: false });
  }, [queue, datasetId, q.dataUpdatedAt]);

  // Near the end of a full batch, fetch the next. Low confidence keeps the pictures labelled
  // here (their confidence does not change until a retrain), so it pages by what was read;
  // the other queues lose what was labelled here, so their offset leaves those out, and
  // anything seen already is dropped if the queue moved meanwhile.
  const firstFull = (q.data?.items.length ?? 0) === LIMIT;
  useEffect(() => {
    if (!firstFull || !more.full || more.loading || pos < items.length - 10) return;
    const labelledHere = queue === 'low-confidence' ? 0 : done.size;
    setMore((m) => ({ ...m, loading: true }));
    window.loupe
      .call('review.queue', { datasetId, queue, limit: LIMIT, offset: Math.max(0, items.length - labelledHere) })
      .then((r) => {
        const seen = new Set(items.map((i) => i.id));
        setMore((m) => ({ items: [...m.items, ...r.items.filter((i) => !seen.has(i.id))], full: r.items.length === LIMIT, loading: false }));
      })
      .catch((err: unknown) => {
        labelling.fail(err);
        setMore((m) => ({ ...m, full: false, loading: false }));
      });
  }, [firstFull, more.full, more.loading, pos, items, queue, done.size, datasetId, labelling]);
  const item: ReviewItem | undefined = items[pos];
  const close = useCallback(() => onNavigate({ page: 'library', id: datasetId }), [onNavigate, datasetId]);

  const advance = useCallback(() => setPos((p) => Math.min(p + 1, items.length)), [items.length]);

  const apply = useCallback(
    async (it: ReviewItem, label: string, how: 'accept' | 'correct') => {
      try {
        if (how === 'accept') await labelling.accept([{ id: it.id, label }]);
        else await labelling.assign([it.id], label);
        setDone((m) => new Map(m).set(it.id, label));
        if (auto) advance();
      } catch (err) {
        labelling.fail(err);
      }
    },
    [labelling, auto, advance],
  );

  const acceptLabel = item ? (item.suggested ?? item.predicted) : null;

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || isTyping(e.target)) return;
      const k = reviewKey(e);
      if (!k) return;
      e.preventDefault();
      if (k.kind === 'close') return close();
      if (k.kind === 'undo') return void labelling.undo();
      if (k.kind === 'redo') return void labelling.redo();
      if (k.kind === 'skip') return advance();
      if (k.kind === 'back') return setPos((p) => Math.max(0, p - 1));
      if (!item) return;
      if (k.kind === 'accept') {
        if (!acceptLabel) return labelling.say('The model has no guess for this picture yet: press a digit to label it.');
        return void apply(item, acceptLabel, 'accept');
      }
      const target = labels[k.index];
      if (!target) return labelling.say(`There is no label ${k.index + 1}.`);
      void apply(item, target.name, 'correct');
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [item, acceptLabel, labels, apply, advance, close, labelling]);

  const current = item ? (done.get(item.id) ?? item.label) : null;
  const chip = (name: string | null, extra?: string) =>
    name === null ? (
      <span className="chip review-none">Unlabelled</span>
    ) : (
      <span className={`chip ${extra ?? ''}`} style={{ ['--hue' as string]: hueOf(labels.find((l) => l.name === name)?.color) }}>
        {name}
      </span>
    );

  return (
    <section className="page review" aria-labelledby="review-title" data-testid="review-mode">
      <header className="toolbar review-bar">
        <h1 id="review-title" className="review-title">
          Review
        </h1>
        <div role="tablist" aria-label="Queue" className="review-tabs">
          {QUEUES.map((x) => (
            <button
              key={x.id}
              type="button"
              role="tab"
              aria-selected={x.id === queue}
              className={x.id === queue ? 'button primary' : 'button ghost'}
              title={x.hint}
              onClick={() => onNavigate(reviewRoute(datasetId, x.id))}
            >
              {x.title}
            </button>
          ))}
        </div>
        <span className="spacer" />
        <label className="review-auto">
          <input
            type="checkbox"
            checked={auto}
            onChange={(e) => {
              setAuto(e.target.checked);
              localStorage.setItem(AUTO_KEY, e.target.checked ? '1' : '0');
            }}
          />{' '}
          Auto-advance
        </label>
        <button type="button" className="button" onClick={close} title="Back to the Library (Esc)">
          Done
        </button>
      </header>
      <UndoNotice notice={labelling.notice} onUndo={() => void labelling.undo()} onRedo={() => void labelling.redo()} onDismiss={labelling.dismiss} />
      {q.isPending ? (
        <p className="muted review-empty" role="status">
          {queue === 'likely-mislabelled' ? 'Training five models on the other pictures to find contradicting labels…' : 'Loading the queue…'}
        </p>
      ) : q.isError ? (
        <p className="notice" role="alert">
          {messageOf(q.error)}
        </p>
      ) : !item ? (
        <div className="review-empty" role="status">
          <p>{items.length === 0 ? (q.data?.note ?? 'Nothing in this queue.') : `All ${items.length} pictures of this queue seen.`}</p>
          <button type="button" className="button" onClick={() => void q.refetch().then(() => setPos(0))}>
            Look again
          </button>
        </div>
      ) : (
        <div className="review-body">
          <figure className="review-picture">
            <img src={window.loupe.thumbnailUrl(item.id)} alt={`Picture ${item.id}`} data-testid="review-image" />
            <figcaption>
              <span className="muted">
                {pos + 1} of {items.length}
              </span>{' '}
              · Label: <span data-testid="review-label">{chip(current)}</span>
              {done.has(item.id) && <span className="muted"> (set here)</span>}
            </figcaption>
          </figure>
          <div className="review-side">
            {item.suggested && (
              <p className="review-suggested" data-testid="review-suggested">
                Likely <strong>{item.suggested}</strong>, not {item.label} <span className="muted">(score {item.score?.toFixed(2)})</span>
              </p>
            )}
            <h2 className="small muted">The model’s guesses</h2>
            <ol className="review-top" data-testid="review-top">
              {item.top.map((g) => (
                <li key={g.label}>
                  {chip(g.label)} <span className="muted">{pct(g.confidence)}</span>
                </li>
              ))}
              {item.top.length === 0 && <li className="muted">No model yet</li>}
            </ol>
            <div className="review-actions">
              <button type="button" className="button primary" disabled={!acceptLabel} onClick={() => acceptLabel && void apply(item, acceptLabel, 'accept')}>
                Accept {acceptLabel ? `“${acceptLabel}”` : ''} <kbd>Enter</kbd>
              </button>
              <button type="button" className="button" onClick={advance}>
                Skip <kbd>S</kbd>
              </button>
              <button type="button" className="button ghost" onClick={() => setPos((p) => Math.max(0, p - 1))} disabled={pos === 0}>
                Back <kbd>←</kbd>
              </button>
            </div>
            <h2 className="small muted">Correct to</h2>
            <ul className="review-labels">
              {labels.slice(0, 9).map((l, i) => (
                <li key={l.name}>
                  <button type="button" className="button ghost" onClick={() => void apply(item, l.name, 'correct')}>
                    <kbd>{i + 1}</kbd> {chip(l.name)}
                  </button>
                </li>
              ))}
            </ul>
          </div>
        </div>
      )}
    </section>
  );
}
