// `loupe datasets`, `loupe models [--dataset NAME]`, `loupe tasks [--state STATE]`: lists,
// as a table or (--json) as the API's items.
import type { Dataset, Model, Task } from '../../shared/contract/index';
import { DATA_FLAGS, DATA_HELP, EXIT, dataDirOf, parseFlags, printJson, table, usageError } from './common';
import { datasetByName, withApi } from './session';

/** Lists only read: a folder opened for them does not start work left queued in it. */
const READ_ONLY = { readOnly: true };

const STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'dead'];
const pct = (x: number | null | undefined): string => (typeof x === 'number' ? `${(x * 100).toFixed(1)}%` : '-');
const day = (iso: string | null): string => (iso ? iso.replace('T', ' ').slice(0, 16) : '-');

export async function datasetsCommand(args: string[]): Promise<number> {
  const { values } = parseFlags(args, DATA_FLAGS);
  if (values.help) {
    process.stdout.write(`Usage: loupe datasets [--data DIR] [--json]\n  List the datasets: id, name, pictures, created.\n${DATA_HELP}`);
    return EXIT.ok;
  }
  const items = await withApi(dataDirOf(values.data), (api) => api.all<Dataset>('/v1/datasets'), READ_ONLY);
  if (values.json) printJson(items);
  else if (items.length === 0) process.stderr.write('No datasets yet; `loupe import DIR --dataset NAME` makes one.\n');
  else process.stdout.write(table([['ID', 'NAME', 'PICTURES', 'CREATED'], ...items.map((d) => [d.id, d.name, String(d.imageCount), day(d.createdAt)])]));
  return EXIT.ok;
}

export async function modelsCommand(args: string[]): Promise<number> {
  const { values } = parseFlags(args, { ...DATA_FLAGS, dataset: { type: 'string' } });
  if (values.help) {
    process.stdout.write(
      `Usage: loupe models [--dataset NAME] [--data DIR] [--json]\n  List the models, newest first: id, name, dataset, labels, accuracy, created.\n  --dataset NAME  only the models trained on this dataset\n${DATA_HELP}`,
    );
    return EXIT.ok;
  }
  const { items, names } = await withApi(
    dataDirOf(values.data),
    async (api) => {
      const datasets = await api.all<Dataset>('/v1/datasets');
      const filter = values.dataset === undefined ? '' : `?datasetId=${encodeURIComponent((await datasetByName(api, values.dataset)).id)}`;
      return { items: await api.all<Model>(`/v1/models${filter}`), names: new Map(datasets.map((d) => [d.id, d.name])) };
    },
    READ_ONLY,
  );
  if (values.json) printJson(items);
  else if (items.length === 0) process.stderr.write('No models yet; `loupe train --dataset NAME` trains one.\n');
  else {
    process.stdout.write(
      table([
        ['ID', 'NAME', 'DATASET', 'LABELS', 'ACCURACY', 'CREATED'],
        ...items.map((m) => [m.id, m.name, (m.datasetId && names.get(m.datasetId)) || '-', m.labels.join(','), pct(m.metrics?.accuracy), day(m.createdAt)]),
      ]),
    );
  }
  return EXIT.ok;
}

export async function tasksCommand(args: string[]): Promise<number> {
  const { values } = parseFlags(args, { ...DATA_FLAGS, state: { type: 'string' } });
  if (values.help) {
    process.stdout.write(
      `Usage: loupe tasks [--state STATE] [--data DIR] [--json]\n  List the tasks, newest first: id, kind, state, progress, created.\n  --state  one of ${STATES.join(', ')}\n${DATA_HELP}`,
    );
    return EXIT.ok;
  }
  if (values.state !== undefined && !STATES.includes(values.state)) throw usageError(`--state must be one of ${STATES.join(', ')}, not "${values.state}".`);
  const items = await withApi(dataDirOf(values.data), (api) => api.all<Task>(`/v1/tasks${values.state ? `?state=${values.state}` : ''}`), READ_ONLY);
  if (values.json) printJson(items);
  else if (items.length === 0) process.stderr.write(values.state ? `No ${values.state} tasks.\n` : 'No tasks.\n');
  else {
    process.stdout.write(
      table([
        ['ID', 'KIND', 'STATE', 'PROGRESS', 'CREATED', 'MESSAGE'],
        ...items.map((t) => [t.id, t.kind, t.state, pct(t.progress), day(t.createdAt), t.error?.message ?? t.progressMessage ?? '']),
      ]),
    );
  }
  return EXIT.ok;
}
