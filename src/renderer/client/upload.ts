import { newTally, planBatches, runPool, type Batch, type UploadTally } from '../lib/upload-batches';
import { yieldToEventLoop } from '../lib/folder-walk';

/**
 * Browser-shell uploads: POST /v1/datasets/:id/images, multipart, files in field `image`
 * and an optional `label` field. Bytes are read by the browser as each request streams,
 * so at most a few batches are in memory at any moment, however many files were dropped.
 */

type UploadItem = { file: Blob & { name: string }; label?: string; path?: string };
type Failure = UploadTally['failed'][number];

const CONCURRENCY = 4;

interface ApiError {
  error?: { code?: string; message?: string; details?: { failed?: Failure[] } };
}
interface ApiCreated {
  items?: Array<{ id: string; duplicate?: boolean }>;
  failed?: Failure[];
}

function nameOf(item: UploadItem): string {
  return item.path ?? item.file.name;
}

async function readJson<T>(res: Response): Promise<T | null> {
  try {
    return (await res.json()) as T;
  } catch {
    return null;
  }
}

async function postBatch(
  url: string,
  token: string | null,
  batch: Batch<UploadItem['file']> & { items: UploadItem[] },
  signal: AbortSignal | undefined,
): Promise<{ ok: true; body: ApiCreated } | { ok: false; status: number; error: { code: string; message: string }; failed?: Failure[] }> {
  const form = new FormData();
  // The label goes first so the server knows it before the files stream past.
  if (batch.label !== undefined) form.append('label', batch.label);
  for (const item of batch.items) form.append('image', item.file, item.file.name);
  const headers: Record<string, string> = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(url, { method: 'POST', body: form, headers, signal, credentials: 'same-origin' });
  if (res.ok) return { ok: true, body: (await readJson<ApiCreated>(res)) ?? {} };
  const body = await readJson<ApiError>(res);
  return {
    ok: false,
    status: res.status,
    failed: Array.isArray(body?.error?.details?.failed) ? body.error.details.failed : undefined,
    error: {
      code: body?.error?.code ?? (res.status === 413 ? 'too_large' : 'internal'),
      message: body?.error?.message ?? `The server answered ${res.status} ${res.statusText}.`,
    },
  };
}

export async function uploadFiles(args: {
  token: string | null;
  datasetId: string;
  files: UploadItem[];
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}): Promise<{ imported: number; duplicates: number; failed: Failure[] }> {
  const { token, datasetId, files, onProgress, signal } = args;
  const url = `/v1/datasets/${encodeURIComponent(datasetId)}/images`;
  const tally = newTally(files.length);
  const batches = planBatches(files) as Array<Batch<UploadItem['file']> & { items: UploadItem[] }>;
  onProgress?.(0, tally.total);

  // The server names a failed file by its file name; the person knows it by its path.
  const withPaths = (items: UploadItem[], failed: Failure[]): Failure[] => {
    const byName = new Map(items.map((i) => [i.file.name, nameOf(i)]));
    return failed.map((f) => ({ ...f, name: byName.get(f.name) ?? f.name }));
  };

  const record = (items: UploadItem[], body: ApiCreated, retry: boolean) => {
    const created = body.items ?? [];
    // On a retry, "already here" most likely means the failed request stored it before
    // tripping over its bad neighbour: it counts as added by this import.
    tally.imported += created.filter((c) => retry || !c.duplicate).length;
    tally.duplicates += created.filter((c) => !retry && c.duplicate).length;
    tally.failed.push(...withPaths(items, body.failed ?? []));
    tally.done += items.length;
  };

  const send = async (batch: Batch<UploadItem['file']> & { items: UploadItem[] }, retry = false): Promise<void> => {
    let answer;
    try {
      answer = await postBatch(url, token, batch, signal);
    } catch (err) {
      if (signal?.aborted) return;
      for (const item of batch.items) {
        tally.failed.push({
          name: nameOf(item),
          code: 'unavailable',
          message: `Could not send it to Loupe (${(err as Error).message}). Check that Loupe is running and try again.`,
        });
      }
      tally.done += batch.items.length;
      return;
    }
    if (answer.ok) return record(batch.items, answer.body, retry);
    // Every file in the request was refused, and the server said why for each.
    if (answer.failed && answer.failed.length === batch.items.length) {
      tally.failed.push(...withPaths(batch.items, answer.failed));
      tally.done += batch.items.length;
      return;
    }
    // One bad picture fails its whole request: send the batch again one by one, so only
    // the bad ones are reported and the rest arrive.
    if (batch.items.length > 1 && answer.status !== 401 && answer.status !== 404) {
      for (const item of batch.items) {
        if (signal?.aborted) return;
        await send({ label: batch.label, items: [item], bytes: item.file.size }, true);
      }
      return;
    }
    for (const item of batch.items) tally.failed.push({ name: nameOf(item), ...answer.error });
    tally.done += batch.items.length;
  };

  await runPool(
    batches,
    CONCURRENCY,
    async (batch) => {
      await send(batch);
      onProgress?.(tally.done, tally.total);
      // Give the page a frame between requests even when the server answers instantly.
      await yieldToEventLoop();
    },
    signal,
  );
  return { imported: tally.imported, duplicates: tally.duplicates, failed: tally.failed };
}
