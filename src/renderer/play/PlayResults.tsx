import { useState } from 'react';
import type { LabelConfidence, Model } from '../../shared/contract';
import { percent } from '../train/queries';
import { summarise } from './play-order';

export interface Tried {
  key: number;
  file: File;
  url: string;
  state: 'running' | 'done' | 'failed';
  predictions?: LabelConfidence[];
  error?: string;
  /** The label the picture was added to the dataset with, once the person said right or wrong. */
  added?: string;
  verdict?: 'right' | 'wrong';
}

const NEW = '\u0000new';

function Verdict({ t, model, onAdd }: { t: Tried; model: Model; onAdd: (label: string, verdict: 'right' | 'wrong') => void }) {
  const [wrong, setWrong] = useState(false);
  const [choice, setChoice] = useState('');
  const [name, setName] = useState('');
  const top = t.predictions?.[0];
  if (!top) return null;
  if (t.added)
    return (
      <span className="muted small">
        {t.verdict === 'right' ? '✓' : '✗'} Added as “{t.added}”
      </span>
    );
  if (!wrong) {
    return (
      <span className="play-verdict">
        <button type="button" className="button small" onClick={() => onAdd(top.label, 'right')} title="Add the picture to the dataset with this label">
          That’s right
        </button>
        <button type="button" className="button small ghost" onClick={() => setWrong(true)}>
          That’s wrong…
        </button>
      </span>
    );
  }
  const label = choice === NEW ? name.trim() : choice;
  return (
    <form
      className="play-verdict"
      onSubmit={(e) => {
        e.preventDefault();
        if (label) onAdd(label, 'wrong');
      }}
    >
      <select value={choice} onChange={(e) => setChoice(e.target.value)} aria-label="The right label" autoFocus>
        <option value="">Right label…</option>
        {model.labels
          .filter((l) => l !== top.label)
          .map((l) => (
            <option key={l} value={l}>
              {l}
            </option>
          ))}
        <option value={NEW}>New label…</option>
      </select>
      {choice === NEW && (
        <input value={name} onChange={(e) => setName(e.target.value)} aria-label="New label" placeholder="New label" autoFocus maxLength={100} />
      )}
      <button type="submit" className="button small primary" disabled={!label}>
        Add to dataset
      </button>
      <button type="button" className="button small ghost" onClick={() => setWrong(false)}>
        Never mind
      </button>
    </form>
  );
}

/** Play's results: a summary per predicted label, then one compact row per picture in file order. */
export function PlayResults({ tried, model, onAdd }: { tried: Tried[]; model: Model; onAdd: (t: Tried, label: string, verdict: 'right' | 'wrong') => void }) {
  const summary = summarise(tried.map((t) => t.predictions?.[0]));
  const running = tried.filter((t) => t.state === 'running').length;
  const failed = tried.filter((t) => t.state === 'failed').length;
  const right = tried.filter((t) => t.verdict === 'right').length;
  const wrong = tried.filter((t) => t.verdict === 'wrong').length;
  return (
    <>
      <section className="play-summary" aria-label="Summary per predicted label" data-testid="play-summary">
        <h2>
          {tried.length} picture{tried.length === 1 ? '' : 's'}
          {running > 0 ? ` · ${running} looking` : ''}
          {failed > 0 ? ` · ${failed} unreadable` : ''}
          {right + wrong > 0 ? ` · you said ${right} right, ${wrong} wrong` : ''}
        </h2>
        <ul>
          {summary.map((s) => (
            <li key={s.label} data-testid="play-summary-row">
              <strong>{s.label}</strong> {s.count} <span className="muted small">(mean {percent(s.meanConfidence)})</span>
            </li>
          ))}
        </ul>
      </section>
      <ol className="play-list" aria-label="Results in file order">
        {tried.map((t) => {
          const top = t.predictions?.[0];
          const second = t.predictions?.[1];
          return (
            <li key={t.key} className="play-row" data-testid="play-result">
              <img src={t.url} alt="" />
              <span className="play-name" title={t.file.webkitRelativePath || t.file.name}>
                {t.file.name}
              </span>
              {t.state === 'running' && <span role="status">Looking…</span>}
              {t.state === 'failed' && (
                <span className="error" role="alert">
                  {t.error}
                </span>
              )}
              {top && (
                <span className="play-guess">
                  <span className="result-top" data-testid="play-top">
                    {top.label}
                  </span>{' '}
                  <span className="small">{percent(top.confidence)}</span>
                  {second && (
                    <span className="muted small">
                      {' '}
                      · {second.label} {percent(second.confidence)}
                    </span>
                  )}
                </span>
              )}
              <Verdict t={t} model={model} onAdd={(label, v) => onAdd(t, label, v)} />
            </li>
          );
        })}
      </ol>
    </>
  );
}
