import { useEffect, useRef, useState, type DragEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { LabelConfidence, Model } from '../../shared/contract';
import { messageOf } from '../lib/errors';
import { percent, useCurrentDataset, useModels } from '../train/queries';
import { useModelVersions } from '../train/ModelHistory';
import '../train/train.css';
import { addToDataset, predictFile } from './predict-client';
import { Notice } from '../app/Notice';

interface Tried {
  key: number;
  file: File;
  url: string;
  state: 'running' | 'done' | 'failed';
  predictions?: LabelConfidence[];
  error?: string;
  corrected?: string;
}

const SHOWN = 5;
let nextKey = 1;

function isImage(f: File): boolean {
  return f.type.startsWith('image/') || /\.(jpe?g|png|webp|gif|tiff?|avif|bmp|heic)$/i.test(f.name);
}

function Result({ t, model, onCorrect }: { t: Tried; model: Model; onCorrect: (label: string) => void }) {
  const [wrong, setWrong] = useState(false);
  const [label, setLabel] = useState('');
  const top = t.predictions?.[0];
  return (
    <li className="result" data-testid="play-result">
      <img src={t.url} alt={t.file.name} />
      <div className="result-body">
        <span className="muted small">{t.file.name}</span>
        {t.state === 'running' && <span role="status">Looking…</span>}
        {t.state === 'failed' && <span className="error" role="alert">{t.error}</span>}
        {top && (
          <>
            <span className="result-top" data-testid="play-top">
              {top.label}
            </span>
            {t.predictions!.slice(0, SHOWN).map((p) => (
              <div key={p.label} className="bar-row">
                <span>{p.label}</span>
                <span className="bar" role="meter" aria-label={`${p.label} confidence`} aria-valuemin={0} aria-valuemax={1} aria-valuenow={p.confidence}>
                  <span style={{ ['--p' as string]: p.confidence }} />
                </span>
                <span className="small">{percent(p.confidence)}</span>
              </div>
            ))}
            {t.corrected ? (
              <span className="muted small">Added to the dataset as “{t.corrected}”.</span>
            ) : wrong ? (
              <form
                className="wrong-row"
                onSubmit={(e) => {
                  e.preventDefault();
                  if (label) onCorrect(label);
                }}
              >
                <select value={label} onChange={(e) => setLabel(e.target.value)} aria-label="The right label" autoFocus>
                  <option value="">Right label…</option>
                  {model.labels
                    .filter((l) => l !== top.label)
                    .map((l) => (
                      <option key={l} value={l}>
                        {l}
                      </option>
                    ))}
                </select>
                <button type="submit" className="button small primary" disabled={!label}>
                  Add to dataset
                </button>
                <button type="button" className="button small ghost" onClick={() => setWrong(false)}>
                  Never mind
                </button>
              </form>
            ) : (
              <div className="wrong-row">
                <button type="button" className="button small" onClick={() => setWrong(true)}>
                  That’s wrong
                </button>
              </div>
            )}
          </>
        )}
      </div>
    </li>
  );
}

/** Play: drop, paste or pick pictures (or a folder) and see what the model thinks. */
export function PlayPage() {
  const { dataset } = useCurrentDataset();
  const models = useModels(null === dataset ? undefined : dataset.id);
  const all = useModels(undefined);
  const queries = useQueryClient();
  const list = (models.data?.items.length ? models.data.items : all.data?.items) ?? [];
  const [modelId, setModelId] = useState<string | null>(null);
  // The dataset's active model unless another is chosen (not simply the newest: it may be worse).
  const versions = useModelVersions(dataset?.id ?? null);
  const active = versions.data?.activeModelId ?? null;
  const model = list.find((m) => m.id === modelId) ?? list.find((m) => m.id === active) ?? list[0] ?? null;
  const [tried, setTried] = useState<Tried[]>([]);
  const [over, setOver] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const pick = useRef<HTMLInputElement>(null);
  const folder = useRef<HTMLInputElement>(null);

  const update = (key: number, patch: Partial<Tried>) => setTried((ts) => ts.map((t) => (t.key === key ? { ...t, ...patch } : t)));

  const run = async (files: File[]) => {
    if (!model) return;
    const images = files.filter(isImage).slice(0, 200);
    const items: Tried[] = images.map((file) => ({ key: nextKey++, file, url: URL.createObjectURL(file), state: 'running' }));
    setTried((ts) => [...items, ...ts].slice(0, 200));
    // Two at a time: the backbone batches them, and the page stays responsive.
    let i = 0;
    const worker = async () => {
      while (i < items.length) {
        const it = items[i++];
        try {
          update(it.key, { state: 'done', predictions: await predictFile(model.id, it.file) });
        } catch (err) {
          update(it.key, { state: 'failed', error: messageOf(err) });
        }
      }
    };
    await Promise.all([worker(), worker()]);
  };

  useEffect(() => {
    const onPaste = (e: ClipboardEvent) => {
      const files = Array.from(e.clipboardData?.files ?? []);
      if (files.length > 0) {
        e.preventDefault();
        void run(files);
      }
    };
    window.addEventListener('paste', onPaste);
    return () => window.removeEventListener('paste', onPaste);
  });

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    void run(Array.from(e.dataTransfer.files));
  };

  const correct = async (t: Tried, label: string) => {
    if (!model?.datasetId) return setNotice('This model’s dataset was deleted; there is nowhere to add the picture.');
    try {
      await addToDataset(model.datasetId, t.file, label);
      update(t.key, { corrected: label });
      void queries.invalidateQueries({ queryKey: ['dataset', model.datasetId] });
    } catch (err) {
      setNotice(messageOf(err));
    }
  };

  return (
    <section className="page play" aria-labelledby="play-title">
      <header className="toolbar">
        <h1 id="play-title" className="toolbar-title">
          Play
        </h1>
        {list.length > 0 && (
          <label className="small">
            Model{' '}
            <select value={model?.id ?? ''} onChange={(e) => setModelId(e.target.value)} aria-label="Model">
              {list.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.name} · {percent(m.metrics.accuracy)}
                </option>
              ))}
            </select>
          </label>
        )}
        <span className="spacer" />
        <button type="button" className="button" disabled={!model} onClick={() => pick.current?.click()}>
          Pick pictures…
        </button>
        <button type="button" className="button" disabled={!model} onClick={() => folder.current?.click()}>
          Pick folder…
        </button>
        {tried.length > 0 && (
          <button type="button" className="button ghost" onClick={() => setTried([])}>
            Clear
          </button>
        )}
        <input ref={pick} type="file" accept="image/*" multiple hidden data-testid="play-input" onChange={(e) => (void run(Array.from(e.target.files ?? [])), (e.target.value = ''))} />
        <input ref={folder} type="file" multiple hidden {...{ webkitdirectory: '', directory: '' }} onChange={(e) => (void run(Array.from(e.target.files ?? [])), (e.target.value = ''))} />
      </header>
      <Notice text={notice} onDismiss={() => setNotice(null)} />
      <div className="play-body">
        {!model ? (
          <p className="muted">No model yet. Label pictures in the Library with at least two labels; Loupe trains one as you go.</p>
        ) : (
          <div
            className={over ? 'drop-target over' : 'drop-target'}
            data-testid="play-drop"
            onDragOver={(e) => {
              e.preventDefault();
              setOver(true);
            }}
            onDragLeave={() => setOver(false)}
            onDrop={onDrop}
          >
            Drop pictures here, paste one (Ctrl+V), or pick files. {model.name} knows: {model.labels.join(', ')}.
          </div>
        )}
        {model && tried.length > 0 && (
          <ul className="results">
            {tried.map((t) => (
              <Result key={t.key} t={t} model={model} onCorrect={(l) => void correct(t, l)} />
            ))}
          </ul>
        )}
      </div>
    </section>
  );
}
