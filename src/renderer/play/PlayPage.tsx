import { useEffect, useRef, useState, type DragEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { Evaluation } from '../../shared/contract';
import { messageOf } from '../lib/errors';
import { percent, useCurrentDataset, useModels } from '../train/queries';
import { useModelVersions } from '../train/ModelHistory';
import '../train/train.css';
import './play.css';
import { addToDataset, evaluateFiles, predictFile } from './predict-client';
import { Notice } from '../app/Notice';
import { inFileOrder, labelledFiles } from './play-order';
import { PlayResults, type Tried } from './PlayResults';
import { ScoreResult } from './ScoreResult';
import { Webcam } from './Webcam';

const MAX_TRIED = 500;
const MAX_SCORED = 1000;
let nextKey = 1;

function isImage(f: File): boolean {
  return f.type.startsWith('image/') || /\.(jpe?g|png|webp|gif|tiff?|avif|bmp|heic)$/i.test(f.name);
}

/**
 * Play: drop, paste, pick pictures or a folder, or use the webcam, and see what the model
 * thinks, in file order with a summary per predicted label; "That's right" / "That's wrong"
 * add a picture to the dataset. "Score a test folder…" scores labelled sub-folders without
 * adding anything: accuracy, per-label metrics and the confusion matrix.
 */
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
  const [camera, setCamera] = useState(false);
  const [score, setScore] = useState<{ result: Evaluation; folder: string; unlabelled: number } | null>(null);
  const [scoring, setScoring] = useState<string | null>(null);
  const pick = useRef<HTMLInputElement>(null);
  const folder = useRef<HTMLInputElement>(null);
  const testFolder = useRef<HTMLInputElement>(null);

  const update = (key: number, patch: Partial<Tried>) => setTried((ts) => ts.map((t) => (t.key === key ? { ...t, ...patch } : t)));

  const run = async (files: File[]) => {
    if (!model) return;
    // File order, not completion order: the list is laid out before any answer arrives.
    const images = inFileOrder(files.filter(isImage)).slice(0, MAX_TRIED);
    if (images.length < files.length)
      setNotice(`${files.length - images.length} file${files.length - images.length === 1 ? ' was' : 's were'} not a picture or past the first ${MAX_TRIED}.`);
    const items: Tried[] = images.map((file) => ({ key: nextKey++, file, url: URL.createObjectURL(file), state: 'running' }));
    setTried((ts) => [...items, ...ts].slice(0, MAX_TRIED));
    let i = 0;
    // Two at a time: the backbone batches them, and the page stays responsive.
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

  const scoreFolder = async (files: File[]) => {
    if (!model) return;
    const { items, unlabelled } = labelledFiles(files.filter(isImage));
    const name = (files[0]?.webkitRelativePath || '').split('/')[0] || 'folder';
    if (items.length === 0) return setNotice('Pick a folder whose sub-folders are named after labels (test/cats/…, test/dogs/…).');
    if (items.length > MAX_SCORED) setNotice(`Scoring the first ${MAX_SCORED} of ${items.length} pictures.`);
    setScoring(name);
    try {
      setScore({ result: await evaluateFiles(model.id, items.slice(0, MAX_SCORED)), folder: name, unlabelled });
    } catch (err) {
      setNotice(messageOf(err));
    } finally {
      setScoring(null);
    }
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

  const add = async (t: Tried, label: string, verdict: 'right' | 'wrong') => {
    if (!model?.datasetId) return setNotice('This model’s dataset was deleted; there is nowhere to add the picture.');
    try {
      await addToDataset(model.datasetId, t.file, label);
      update(t.key, { added: label, verdict });
      void queries.invalidateQueries({ queryKey: ['dataset', model.datasetId] });
      void queries.invalidateQueries({ queryKey: ['datasets'] });
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
        <button type="button" className="button" disabled={!model} aria-pressed={camera} onClick={() => setCamera((c) => !c)}>
          Webcam
        </button>
        <button
          type="button"
          className="button"
          disabled={!model || scoring !== null}
          onClick={() => testFolder.current?.click()}
          title="Sub-folders named after labels; nothing is added to the dataset"
        >
          Score a test folder…
        </button>
        {tried.length > 0 && (
          <button type="button" className="button ghost" onClick={() => setTried([])}>
            Clear
          </button>
        )}
        <input
          ref={pick}
          type="file"
          accept="image/*"
          multiple
          hidden
          data-testid="play-input"
          onChange={(e) => (void run(Array.from(e.target.files ?? [])), (e.target.value = ''))}
        />
        <input
          ref={folder}
          type="file"
          multiple
          hidden
          data-testid="play-folder-input"
          {...{ webkitdirectory: '', directory: '' }}
          onChange={(e) => (void run(Array.from(e.target.files ?? [])), (e.target.value = ''))}
        />
        <input
          ref={testFolder}
          type="file"
          multiple
          hidden
          data-testid="score-folder-input"
          {...{ webkitdirectory: '', directory: '' }}
          onChange={(e) => (void scoreFolder(Array.from(e.target.files ?? [])), (e.target.value = ''))}
        />
      </header>
      <Notice text={notice} onDismiss={() => setNotice(null)} />
      <div className="play-body">
        {!model ? (
          <p className="muted">No model yet. Label pictures in the Library with at least two labels; Loupe trains one as you go.</p>
        ) : (
          <>
            {camera && <Webcam onCapture={(f) => void run([f])} onClose={() => setCamera(false)} />}
            {scoring && (
              <p role="status" className="muted">
                Scoring “{scoring}”…
              </p>
            )}
            {score && <ScoreResult score={score.result} folder={score.folder} unlabelled={score.unlabelled} onClose={() => setScore(null)} />}
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
              Drop pictures here, paste one (Ctrl+V), pick files, or use the webcam. {model.name} knows: {model.labels.join(', ')}.
            </div>
            {tried.length > 0 && <PlayResults tried={tried} model={model} onAdd={(t, l, v) => void add(t, l, v)} />}
          </>
        )}
      </div>
    </section>
  );
}
