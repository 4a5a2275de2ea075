import { createWriteStream } from 'node:fs';
import { readdir, rename, rm } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import { once } from 'node:events';
import { z } from 'zod';
import { predict } from '../../vision/index';
import { UnrecoverableError, type TaskContext } from '../../queue/index';
import type { VisionContext } from './context';
import type { ModelRegistry } from './model-registry';

export const PredictFolderInput = z
  .object({
    modelId: z.string().min(1).max(64),
    path: z.string().min(1).max(4096),
    /** Where the CSV goes; default `predictions.csv` inside the folder. */
    output: z.string().min(1).max(4096).optional(),
    recursive: z.boolean().default(true),
  })
  .strict();
export type PredictFolderInput = z.infer<typeof PredictFolderInput>;

const IMAGE_EXT = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif', '.heic', '.heif', '.bmp']);
const BATCH = 32;

async function listImages(dir: string, recursive: boolean, skip: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    const entries = await readdir(d, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory() && recursive && !e.name.startsWith('.')) await walk(p);
      else if (e.isFile() && IMAGE_EXT.has(extname(e.name).toLowerCase()) && p !== skip) out.push(p);
    }
  };
  await walk(dir);
  return out;
}

/** RFC 4180: quote fields holding a comma, quote or line break. */
function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * The `predict-folder` task: classifies every picture under a folder and writes one CSV
 * row per picture, `path,label,confidence` (unreadable pictures get an empty label and the
 * reason in a fourth column), in batches so progress moves and cancel lands quickly.
 */
export async function runPredictFolder(c: VisionContext, models: ModelRegistry, input: PredictFolderInput, ctx: TaskContext) {
  models.get(input.modelId);
  const head = models.head(input.modelId);
  const folder = resolve(input.path);
  const output = resolve(input.output ?? join(folder, 'predictions.csv'));
  let files: string[];
  try {
    files = await listImages(folder, input.recursive, output);
  } catch (err) {
    throw new UnrecoverableError(`Cannot read the folder ${folder}: ${(err as NodeJS.ErrnoException).code ?? String(err)}.`, 'not_found');
  }
  const tmp = join(dirname(output), `.${Date.now()}-${process.pid}.predictions.tmp`);
  const out = createWriteStream(tmp);
  const write = async (s: string) => {
    if (!out.write(s)) await once(out, 'drain');
  };
  let failed = 0;
  const counts: Record<string, number> = {};
  try {
    await write('path,label,confidence,error\n');
    for (let i = 0; i < files.length; i += BATCH) {
      ctx.signal.throwIfAborted();
      const part = files.slice(i, i + BATCH);
      const results = await c.backbone.embed(part, { signal: ctx.signal });
      const ok = results.flatMap((r) => (r.ok ? [r.embedding] : []));
      const probs = ok.length ? predict(head, ok) : new Float32Array(0);
      const K = head.labels.length;
      let row = 0;
      for (let j = 0; j < part.length; j++) {
        const r = results[j];
        if (!r.ok) {
          failed++;
          await write(`${csvField(part[j])},,,${csvField(r.error.message)}\n`);
          continue;
        }
        let best = 0;
        for (let k = 1; k < K; k++) if (probs[row * K + k] > probs[row * K + best]) best = k;
        const label = head.labels[best];
        counts[label] = (counts[label] ?? 0) + 1;
        await write(`${csvField(part[j])},${csvField(label)},${probs[row * K + best].toFixed(6)},\n`);
        row++;
      }
      ctx.progress((i + part.length) / files.length, `${i + part.length} of ${files.length} pictures`);
    }
    out.end();
    await once(out, 'finish');
    await rename(tmp, output);
  } catch (err) {
    out.destroy();
    await rm(tmp, { force: true });
    throw err;
  }
  return { output, total: files.length, failed, counts };
}
