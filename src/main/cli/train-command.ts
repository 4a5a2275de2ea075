// `loupe train --dataset NAME [--wait]`: starts a training run on the dataset's labelled
// pictures. With --wait it follows the run (progress on stderr) and prints its accuracy and
// model; without, it prints the run and returns, and the running Loupe trains. Opened
// directly (no Loupe running), the command always waits: nothing else would train.
import type { Run } from '../../shared/contract/index';
import { CliError, DATA_FLAGS, DATA_HELP, EXIT, dataDirOf, parseFlags, printJson, usageError } from './common';
import { progress } from './progress';
import { datasetByName, sleep, withApi } from './session';

const HELP = `Usage: loupe train --dataset NAME [--wait] [--data DIR] [--json]
  Train a model on the dataset's labelled pictures (at least two labels).
  --dataset NAME  the dataset to train on
  --wait          follow the run until it ends and print its accuracy and model id
                  (always so when no Loupe is running: this command does the training)
${DATA_HELP}Exit: 0 started (or, with --wait, succeeded), 1 the run failed, 3 no such dataset.
`;

export async function trainCommand(args: string[]): Promise<number> {
  const { values } = parseFlags(args, { ...DATA_FLAGS, dataset: { type: 'string' }, wait: { type: 'boolean' } });
  if (values.help) {
    process.stdout.write(HELP);
    return EXIT.ok;
  }
  if (!values.dataset?.trim()) throw usageError('give the dataset with --dataset NAME.');
  const name = values.dataset.trim();

  const run = await withApi(dataDirOf(values.data), async (api, conn) => {
    const dataset = await datasetByName(api, name);
    const started = await api.json<{ taskId: string; runId: string }>('POST', `/v1/datasets/${dataset.id}/train`, {});
    if (!values.wait && conn.via === 'server') return api.json<Run>('GET', `/v1/runs/${started.runId}`);
    if (!values.wait) process.stderr.write('loupe train: no Loupe is running on this folder, so this command trains and waits.\n');
    const bar = progress('train');
    let task = { progress: 0, progressMessage: null as string | null };
    for (;;) {
      const r = await api.json<Run>('GET', `/v1/runs/${started.runId}`);
      if (r.status !== 'queued' && r.status !== 'running') {
        bar.done();
        return r;
      }
      task = await api.json<typeof task>('GET', `/v1/tasks/${started.taskId}`).catch(() => task);
      bar.update(task.progress, r.status === 'queued' ? 'waiting to start' : (task.progressMessage ?? 'training'));
      await sleep(250);
    }
  });

  if (values.json) printJson(run);
  else if (run.status === 'succeeded') {
    const acc = run.metrics ? ` accuracy ${(run.metrics.accuracy * 100).toFixed(1)}% on held-out pictures,` : '';
    process.stdout.write(`run ${run.id} succeeded:${acc} model ${run.modelId}\n`);
  } else if (run.status === 'queued' || run.status === 'running') {
    process.stdout.write(`run ${run.id} ${run.status}; \`loupe tasks\` follows it, \`loupe models\` lists the model when it is done.\n`);
  } else process.stdout.write(`run ${run.id} ${run.status}\n`);
  if (run.status === 'failed' || run.status === 'cancelled') throw new CliError(EXIT.failed, run.error?.message ?? `the run was ${run.status}.`);
  return EXIT.ok;
}
