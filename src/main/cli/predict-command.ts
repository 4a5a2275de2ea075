// `loupe predict --model ID|--dataset NAME FILES|DIRS… [--csv OUT] [--top K]`: classifies
// pictures with a model (a dataset's newest, with --dataset). Pictures go to the API in
// batches; a batch that a bad picture spoils is retried one picture at a time, so an
// unreadable file is reported (stderr, the CSV's error column, --json's errors) and every
// other picture is still classified.
import { basename, relative } from 'node:path';
import type { LabelConfidence, Model } from '../../shared/contract/index';
import { ApiError, type ApiClient } from './api-client';
import { CliError, DATA_FLAGS, DATA_HELP, EXIT, dataDirOf, parseFlags, printJson, usageError } from './common';
import { createExclusive, csvRow } from './csv';
import { expandInputs, readPicture, type InputProblem } from './predict-inputs';
import { progress } from './progress';
import { datasetByName, latestModel, modelById, withApi } from './session';

const HELP = `Usage: loupe predict --model ID | --dataset NAME FILES|DIRS... [--csv OUT] [--top K] [--data DIR] [--json]
  Classify pictures: files as named, folders with every picture under them.
  --model ID      the model (\`loupe models\` lists them)
  --dataset NAME  or: the newest model trained on this dataset
  --top K         the K best labels of each picture (default 1)
  --csv OUT       also write the results to OUT, a new file (never replaced): columns
                  file, rank, label, confidence, error; every cell quoted
${DATA_HELP}Exit: 0 all classified, 3 no such model or dataset, 4 some pictures could not be read
(reported; the rest classified), 5 OUT exists or cannot be written.
`;

const BATCH = 16;
const IN_FLIGHT = 2;

export interface Classified {
  file: string;
  predictions: LabelConfidence[];
}

/** The server names the picture by its upload name; the report names it by its path already. */
const withoutName = (message: string, file: string): string => (message.startsWith(`${basename(file)}: `) ? message.slice(basename(file).length + 2) : message);

async function classify(api: ApiClient, modelId: string, files: string[], top: number): Promise<Array<Classified | InputProblem>> {
  const read = await Promise.all(files.map(readPicture));
  const out: Array<Classified | InputProblem> = files.map((f, i) => (Buffer.isBuffer(read[i]) ? { file: f, predictions: [] } : (read[i] as InputProblem)));
  const todo = files.map((_, i) => i).filter((i) => Buffer.isBuffer(read[i]));
  const send = async (idx: number[]): Promise<LabelConfidence[][]> => {
    const form = new FormData();
    for (const i of idx) form.append('image', new Blob([read[i] as Buffer]), basename(files[i]));
    const res = await api.request('POST', `/v1/models/${encodeURIComponent(modelId)}/predict?top=${top}`, { body: form });
    return ((await res.json()) as { predictions: LabelConfidence[][] }).predictions;
  };
  try {
    const preds = todo.length ? await send(todo) : [];
    todo.forEach((i, k) => ((out[i] as Classified).predictions = preds[k]));
  } catch (err) {
    if (!(err instanceof ApiError) || err.status >= 500 || todo.length === 1) {
      if (err instanceof ApiError && err.status < 500) todo.forEach((i) => (out[i] = { file: files[i], message: withoutName(err.message, files[i]) }));
      else throw err;
    } else {
      // One bad picture spoils the batch: find it by sending each alone.
      for (const i of todo) {
        try {
          (out[i] as Classified).predictions = (await send([i]))[0];
        } catch (one) {
          if (!(one instanceof ApiError) || one.status >= 500) throw one;
          out[i] = { file: files[i], message: withoutName(one.message, files[i]) };
        }
      }
    }
  }
  return out;
}

export async function predictCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    args,
    { ...DATA_FLAGS, model: { type: 'string' }, dataset: { type: 'string' }, csv: { type: 'string' }, top: { type: 'string', default: '1' } },
    true,
  );
  if (values.help) {
    process.stdout.write(HELP);
    return EXIT.ok;
  }
  if ((values.model === undefined) === (values.dataset === undefined)) throw usageError('give either --model ID or --dataset NAME.');
  if (positionals.length === 0) throw usageError('give the pictures: files or folders after the flags.');
  if (!/^\d{1,3}$/.test(values.top) || Number(values.top) < 1 || Number(values.top) > 100)
    throw usageError(`--top must be a whole number from 1 to 100, not "${values.top}".`);
  const top = Number(values.top);
  // The CSV is created before any work, so a name that is taken fails at once.
  const csv = values.csv === undefined ? null : createExclusive(values.csv);

  try {
    const { files, problems } = await expandInputs(positionals);
    const results: Classified[] = [];
    const errors: InputProblem[] = [...problems];
    const model = await withApi(dataDirOf(values.data), async (api) => {
      const m: Model = values.model !== undefined ? await modelById(api, values.model) : await latestModel(api, await datasetByName(api, values.dataset!));
      const bar = progress('predict');
      const batches: string[][] = [];
      for (let i = 0; i < files.length; i += BATCH) batches.push(files.slice(i, i + BATCH));
      const done: Array<Array<Classified | InputProblem>> = new Array(batches.length);
      let next = 0;
      let count = 0;
      const worker = async () => {
        while (next < batches.length) {
          const b = next++;
          done[b] = await classify(api, m.id, batches[b], top);
          count += batches[b].length;
          bar.update(count / files.length, `${count} of ${files.length} pictures`);
        }
      };
      await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, batches.length) }, worker));
      bar.done();
      for (const r of done.flat()) {
        if ('predictions' in r) results.push(r);
        else errors.push(r);
      }
      return m;
    });

    const shown = (f: string) => (relative(process.cwd(), f).startsWith('..') ? f : relative(process.cwd(), f) || f);
    if (csv) {
      csv.write(csvRow(['file', 'rank', 'label', 'confidence', 'error']));
      for (const r of results) r.predictions.forEach((p, k) => csv.write(csvRow([r.file, k + 1, p.label, p.confidence.toFixed(6), ''])));
      for (const e of errors) csv.write(csvRow([e.file, '', '', '', e.message]));
    }
    if (values.json) printJson({ model: model.id, results, errors });
    else {
      for (const r of results)
        process.stdout.write(`${shown(r.file)}\t${r.predictions.map((p) => `${p.label} ${(p.confidence * 100).toFixed(1)}%`).join(', ')}\n`);
    }
    for (const e of errors) process.stderr.write(`loupe predict: ${e.file}: ${e.message}\n`);
    if (errors.length === 0) return EXIT.ok;
    if (results.length > 0) {
      process.stderr.write(`loupe predict: ${results.length} classified, ${errors.length} could not be read.\n`);
      return EXIT.partial;
    }
    throw new CliError(errors.every((e) => e.message === 'no such file or folder') ? EXIT.notFound : EXIT.partial, 'no picture could be classified.');
  } finally {
    csv?.close();
  }
}
