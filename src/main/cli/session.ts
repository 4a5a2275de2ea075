// One data command's life: connect to the folder's Loupe (or open it), hand the command an
// API client, close whatever was opened. Plus the look-ups every command needs by name.
import type { Dataset, Model } from '../../shared/contract/index';
import { ApiClient, ApiError } from './api-client';
import { connect, type Connection } from './connection';
import { CliError, EXIT } from './exit';

export async function withApi<T>(dataDir: string, fn: (api: ApiClient, conn: Connection) => Promise<T>, opts: { readOnly?: boolean } = {}): Promise<T> {
  const conn = await connect(dataDir, opts);
  try {
    return await fn(new ApiClient(conn), conn);
  } finally {
    await conn.close();
  }
}

export async function findDataset(api: ApiClient, name: string): Promise<Dataset | null> {
  const all = await api.all<Dataset>('/v1/datasets');
  return all.find((d) => d.name === name) ?? all.find((d) => d.name.toLowerCase() === name.toLowerCase()) ?? null;
}

export async function datasetByName(api: ApiClient, name: string): Promise<Dataset> {
  const found = await findDataset(api, name);
  if (found) return found;
  const names = (await api.all<Dataset>('/v1/datasets')).map((d) => `"${d.name}"`);
  throw new CliError(
    EXIT.notFound,
    `no dataset named "${name}"${names.length ? `; there are ${names.join(', ')}` : '; there are none yet (loupe import DIR --dataset NAME makes one)'}.`,
  );
}

export async function modelById(api: ApiClient, id: string): Promise<Model> {
  try {
    return await api.json<Model>('GET', `/v1/models/${encodeURIComponent(id)}`);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) throw new CliError(EXIT.notFound, `no model ${id}; \`loupe models\` lists them.`);
    throw err;
  }
}

/** The newest model trained on the dataset. */
export async function latestModel(api: ApiClient, dataset: Dataset): Promise<Model> {
  const page = await api.json<{ items: Model[] }>('GET', `/v1/models?datasetId=${encodeURIComponent(dataset.id)}&limit=1`);
  if (page.items.length === 0)
    throw new CliError(EXIT.notFound, `dataset "${dataset.name}" has no model yet; train one with \`loupe train --dataset "${dataset.name}"\`.`);
  return page.items[0];
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
