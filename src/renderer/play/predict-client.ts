import type { Evaluation, LabelConfidence } from '../../shared/contract';

interface ApiError {
  error?: { code?: string; message?: string };
}

function toBase64(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ''));
    r.onerror = () => reject(new Error('The file could not be read.'));
    r.readAsDataURL(file);
  });
}

/**
 * One picture's predictions, best first. The browser shell posts the bytes to
 * `POST /v1/models/:id/predict` (the session cookie signs it); the desktop shell hands
 * the bytes to the contract, base64 over IPC.
 */
export async function predictFile(modelId: string, file: File, signal?: AbortSignal): Promise<LabelConfidence[]> {
  if (window.loupe.shell === 'browser') {
    const res = await fetch(`/v1/models/${encodeURIComponent(modelId)}/predict`, {
      method: 'POST',
      body: file,
      headers: { 'content-type': file.type && file.type.startsWith('image/') ? file.type : 'application/octet-stream' },
      credentials: 'same-origin',
      signal,
    });
    const body = (await res.json().catch(() => null)) as ({ predictions?: LabelConfidence[][] } & ApiError) | null;
    if (!res.ok || !body?.predictions) {
      throw { code: body?.error?.code ?? 'internal', message: body?.error?.message ?? `The server answered ${res.status}.` };
    }
    return body.predictions[0];
  }
  const r = await window.loupe.call('models.predict', { modelId, inputs: [{ base64: await toBase64(file), name: file.name }], top: 100 });
  return r.predictions[0];
}

/** "That's wrong": the picture joins the model's dataset with the right label. */
export async function addToDataset(datasetId: string, file: File, label: string): Promise<void> {
  if (window.loupe.upload) {
    const r = await window.loupe.upload(datasetId, [{ file, label }]);
    if (r.failed.length > 0) throw { code: r.failed[0].code, message: r.failed[0].message };
    return;
  }
  const paths = window.loupe.pathsForFiles?.([file]) ?? [];
  if (paths.length === 0) throw { code: 'validation', message: 'This picture has no file on disk to import; save it first, then drop it in the Library.' };
  await window.loupe.call('imports.start', { datasetId, paths, labels: 'none', label });
}

/**
 * Scores a labelled test set without adding it anywhere. The browser shell posts the files to
 * `POST /v1/models/:id/evaluate` (multipart, one request); the desktop shell hands the paths
 * to the contract (the main process reads the files).
 */
export async function evaluateFiles(modelId: string, items: Array<{ file: File; label: string }>, signal?: AbortSignal): Promise<Evaluation> {
  if (window.loupe.shell === 'browser') {
    const form = new FormData();
    for (const it of items) form.append('image', it.file, it.file.name);
    form.append('labels', JSON.stringify(items.map((it) => it.label)));
    const res = await fetch(`/v1/models/${encodeURIComponent(modelId)}/evaluate`, { method: 'POST', body: form, credentials: 'same-origin', signal });
    const body = (await res.json().catch(() => null)) as (Evaluation & ApiError) | null;
    if (!res.ok || !body || body.error) throw { code: body?.error?.code ?? 'internal', message: body?.error?.message ?? `The server answered ${res.status}.` };
    return body;
  }
  const paths = window.loupe.pathsForFiles?.(items.map((it) => it.file)) ?? [];
  if (paths.length !== items.length) throw { code: 'validation', message: 'These pictures have no files on disk to read.' };
  return window.loupe.call('models.evaluate', { modelId, items: items.map((it, i) => ({ input: { path: paths[i] }, label: it.label })) });
}
