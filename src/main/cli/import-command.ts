// `loupe import DIR --dataset NAME [--labels folders|none]`: copies a folder's pictures into
// a dataset (made if it does not exist), sub-folder names as labels by default. Waits for
// the import, with progress on stderr; pictures that could not be read are listed and the
// exit code is 4, the rest stay imported.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Dataset, ImportProgress } from '../../shared/contract/index';
import { CliError, DATA_FLAGS, DATA_HELP, EXIT, dataDirOf, parseFlags, printJson, usageError } from './common';
import { progress } from './progress';
import { findDataset, sleep, withApi } from './session';

const HELP = `Usage: loupe import DIR --dataset NAME [--labels folders|none] [--data DIR] [--json]
  Import the pictures under DIR into the dataset NAME (made if it does not exist).
  The same bytes are stored once: importing a folder again adds only what is new.
  --dataset NAME   the dataset to import into
  --labels         folders: each picture's sub-folder name is its label (default)
                   none: import without labels
${DATA_HELP}Exit: 0 imported, 3 no such folder, 4 some pictures could not be read (listed; the rest imported).
`;

export async function importCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, { ...DATA_FLAGS, dataset: { type: 'string' }, labels: { type: 'string', default: 'folders' } }, true);
  if (values.help) {
    process.stdout.write(HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1)
    throw usageError(positionals.length ? `give one folder, not ${positionals.length}.` : 'give the folder to import: loupe import DIR --dataset NAME.');
  if (!values.dataset?.trim()) throw usageError('give the dataset with --dataset NAME.');
  if (values.labels !== 'folders' && values.labels !== 'none') throw usageError(`--labels must be folders or none, not "${values.labels}".`);
  const dir = resolve(positionals[0]);
  try {
    statSync(dir);
  } catch {
    throw new CliError(EXIT.notFound, `no folder ${dir}.`);
  }
  const name = values.dataset.trim();
  const labels = values.labels;

  const final = await withApi(dataDirOf(values.data), async (api) => {
    const dataset = (await findDataset(api, name)) ?? (await api.json<Dataset>('POST', '/v1/datasets', { name }));
    const { taskId } = await api.json<{ taskId: string }>('POST', `/v1/datasets/${dataset.id}/import`, { path: dir, labels });
    const bar = progress('import');
    for (;;) {
      const p = await api.json<ImportProgress>('GET', `/v1/imports/${taskId}`);
      if (p.state !== 'running') {
        bar.done();
        return { dataset, progress: p };
      }
      bar.update(p.total ? p.done / p.total : 0, `${p.done} of ${p.total || '?'} pictures`);
      await sleep(200);
    }
  });

  const p = final.progress;
  if (values.json) printJson({ dataset: final.dataset, import: p });
  else {
    process.stdout.write(
      `${p.imported} imported, ${p.duplicates} already there, ${p.failed.length} could not be read, into "${final.dataset.name}" (dataset ${final.dataset.id}).\n`,
    );
  }
  for (const f of p.failed) process.stderr.write(`loupe import: ${f.name}: ${f.message}\n`);
  if (p.state === 'failed' || p.state === 'cancelled')
    throw new CliError(EXIT.failed, p.message ?? `the import ${p.state === 'failed' ? 'failed' : 'was cancelled'}.`);
  return p.failed.length ? EXIT.partial : EXIT.ok;
}
