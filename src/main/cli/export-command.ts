// `loupe export --model ID --out FILE.onnx`: the model as one ONNX file (API.md: uint8
// image [N,224,224,3] in, probabilities out, labels in the metadata). The file is created
// new; an existing one is never replaced.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { CliError, DATA_FLAGS, DATA_HELP, EXIT, dataDirOf, parseFlags, printJson, usageError } from './common';
import { createExclusive } from './csv';
import { progress } from './progress';
import { modelById, withApi } from './session';

const HELP = `Usage: loupe export --model ID --out FILE.onnx [--data DIR] [--json]
  Write the model as one ONNX file: input "image" uint8 [N,224,224,3] RGB, output
  "probabilities" float32 [N,K]; the labels are in the metadata "labels".
  --model ID   the model (\`loupe models\` lists them)
  --out FILE   the file to write; it must not exist yet
${DATA_HELP}Exit: 0 written, 3 no such model, 5 the file exists or cannot be written.
`;

export async function exportCommand(args: string[]): Promise<number> {
  const { values } = parseFlags(args, { ...DATA_FLAGS, model: { type: 'string' }, out: { type: 'string' } });
  if (values.help) {
    process.stdout.write(HELP);
    return EXIT.ok;
  }
  if (!values.model) throw usageError('give the model with --model ID (`loupe models` lists them).');
  if (!values.out) throw usageError('give the file to write with --out FILE.onnx.');
  const out = resolve(values.out);
  const modelId = values.model;

  // Refused before the work if the file is there already; created exclusively after it.
  if (existsSync(out)) throw new CliError(EXIT.cannotWrite, `${out} exists already; give a new file name (it is never replaced).`);
  const result = await withApi(dataDirOf(values.data), async (api) => {
    const model = await modelById(api, modelId);
    const bar = progress('export');
    bar.update(0, 'building the ONNX file');
    const res = await api.request('GET', `/v1/models/${encodeURIComponent(model.id)}/export`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    bar.done();
    return { model, bytes };
  });
  // Written in one go after the download, so a failed download leaves no half file.
  const file = createExclusive(out);
  try {
    file.write(result.bytes);
  } finally {
    file.close();
  }
  if (values.json) printJson({ model: result.model.id, out, bytes: result.bytes.byteLength });
  else process.stdout.write(`model ${result.model.id} (${result.model.labels.join(', ')}) written to ${out}, ${result.bytes.byteLength} bytes\n`);
  return EXIT.ok;
}
