import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, link, lstat, open, readdir, realpath, rm, unlink } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { once } from 'node:events';
import { z } from 'zod';
import { predict } from '../../vision/index';
import { UnrecoverableError, type TaskContext } from '../../queue/index';
import { LoupeError } from '../../../shared/errors';
import type { GrantedFolders } from '../scripts/granted-folders';
import { MAX_WALK_DEPTH } from '../scripts/limits';
import { CREATE_EXCLUSIVE } from '../scripts/safe-fs';
import { checkScriptTaskPaths, SCRIPT_ORIGIN, TaskOrigin } from '../scripts/script-tasks';
import { csvRow } from './csv';
import type { VisionContext } from './context';
import type { ModelRegistry } from './model-registry';
import type { TempOutputs } from './temp-outputs';

export const PredictFolderInput = z
  .object({
    modelId: z.string().min(1).max(64),
    path: z.string().min(1).max(4096),
    /** Where the CSV goes; default `predictions.csv` inside the folder. */
    output: z.string().min(1).max(4096).optional(),
    recursive: z.boolean().default(true),
    /** "script" when a script queued it: the folder and the output must lie in granted folders. */
    origin: TaskOrigin,
  })
  .strict();
export type PredictFolderInput = z.infer<typeof PredictFolderInput>;

const IMAGE_EXT = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif', '.heic', '.heif', '.bmp']);
const BATCH = 32;

/** Symbolic links are never followed (Dirent: a link is neither a file nor a folder here). */
async function listImages(dir: string, recursive: boolean, skip: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, depth: number) => {
    const entries = await readdir(d, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory() && recursive && !e.name.startsWith('.') && depth < MAX_WALK_DEPTH) await walk(p, depth + 1);
      else if (e.isFile() && IMAGE_EXT.has(extname(e.name).toLowerCase()) && p !== skip) out.push(p);
    }
  };
  await walk(dir, 0);
  return out;
}

/**
 * Publishes the finished temporary file under `output` without ever replacing a file:
 * a hard link fails on an existing name; where links are not offered (FAT drives), a copy
 * with COPYFILE_EXCL does the same.
 */
async function publish(tmp: string, output: string): Promise<void> {
  try {
    await link(tmp, output);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw exists(output);
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EXDEV' && code !== 'ENOSYS') throw err;
    try {
      await copyFile(tmp, output, constants.COPYFILE_EXCL);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw exists(output);
      throw e;
    }
  }
}

const exists = (output: string) =>
  new UnrecoverableError(`${output} already exists; predict-folder never replaces a file. Name another "output", or move that file away first.`, 'conflict');

/** For a task a script queued: where the CSV really landed must be granted, or it is removed. */
async function verifyOutput(output: string, grants: GrantedFolders | undefined): Promise<void> {
  try {
    if (!grants) throw new LoupeError('forbidden', 'This Loupe has no granted folders for scripts.');
    grants.checkReal(await realpath(output));
  } catch (err) {
    await unlink(output).catch(() => {});
    throw new UnrecoverableError(err instanceof Error ? err.message : String(err), 'forbidden');
  }
}

/**
 * The `predict-folder` task: classifies every picture under a folder and writes one CSV
 * row per picture, `path,label,confidence` (unreadable pictures get an empty label and the
 * reason in a fourth column), in batches so progress moves and cancel lands quickly.
 */
export async function runPredictFolder(
  vision: VisionContext,
  models: ModelRegistry,
  input: PredictFolderInput,
  ctx: TaskContext,
  grants?: GrantedFolders,
  temps?: TempOutputs,
) {
  const byScript = input.origin === SCRIPT_ORIGIN;
  let folder = resolve(input.path);
  let output = resolve(input.output ?? join(folder, 'predictions.csv'));
  if (byScript) {
    if (!grants) throw new UnrecoverableError('This Loupe has no granted folders for scripts; a script cannot predict a folder here.', 'forbidden');
    try {
      // The checked real paths are the ones used: `~/x` or a link read by `resolve` could differ.
      const [realFolder, realOutput] = checkScriptTaskPaths('predict-folder', input, grants);
      folder = realFolder;
      output = realOutput ?? grants.check(join(realFolder, 'predictions.csv'));
    } catch (err) {
      if (err instanceof LoupeError) throw new UnrecoverableError(err.message, err.code);
      throw err;
    }
  }
  models.get(input.modelId);
  const head = models.head(input.modelId);
  let files: string[];
  try {
    files = await listImages(folder, input.recursive, output);
  } catch (err) {
    throw new UnrecoverableError(`Cannot read the folder ${folder}: ${(err as NodeJS.ErrnoException).code ?? String(err)}.`, 'not_found');
  }
  // A run of this task killed before (a retry): its temporary file goes first.
  await temps?.clean(ctx.id);
  // Said before hours of work, not after: the output must be a new file.
  if (
    await lstat(output).then(
      () => true,
      () => false,
    )
  )
    throw exists(output);
  const tmp = join(dirname(output), `.${basename(output)}.${randomUUID()}.tmp`);
  // Its name is remembered before it exists, so that a kill right after the create cannot leave it behind.
  await temps?.intend(ctx.id, tmp);
  // Exclusive and no-follow: the temporary name cannot be a link planted to redirect the write.
  const handle = await open(tmp, CREATE_EXCLUSIVE, 0o644).catch(async (err: NodeJS.ErrnoException) => {
    await temps?.forget(ctx.id);
    throw new UnrecoverableError(`Cannot write beside ${output}: ${err.code ?? String(err)}.`, err.code === 'ENOENT' ? 'not_found' : 'forbidden');
  });
  // Its identity, before a byte is written: a file put under that name later is never taken for it.
  try {
    await temps?.record(ctx.id, tmp);
  } catch (err) {
    await handle.close().catch(() => {});
    await rm(tmp, { force: true });
    throw err;
  }
  const out = handle.createWriteStream();
  const write = async (s: string) => {
    if (!out.write(s)) await once(out, 'drain');
  };
  let failed = 0;
  const counts: Record<string, number> = {};
  try {
    await write(csvRow(['path', 'label', 'confidence', 'error']));
    for (let i = 0; i < files.length; i += BATCH) {
      ctx.signal.throwIfAborted();
      const part = files.slice(i, i + BATCH);
      const results = await vision.backbone.embed(part, { signal: ctx.signal });
      const ok = results.flatMap((r) => (r.ok ? [r.embedding] : []));
      const probs = ok.length ? predict(head, ok) : new Float32Array(0);
      const K = head.labels.length;
      let row = 0;
      for (let j = 0; j < part.length; j++) {
        const r = results[j];
        if (!r.ok) {
          failed++;
          await write(csvRow([part[j], '', '', r.error.message]));
          continue;
        }
        let best = 0;
        for (let k = 1; k < K; k++) if (probs[row * K + k] > probs[row * K + best]) best = k;
        const label = head.labels[best];
        counts[label] = (counts[label] ?? 0) + 1;
        await write(csvRow([part[j], label, probs[row * K + best].toFixed(6), '']));
        row++;
      }
      ctx.progress((i + part.length) / files.length, `${i + part.length} of ${files.length} pictures`);
    }
    out.end();
    await once(out, 'finish');
    await publish(tmp, output);
  } catch (err) {
    out.destroy();
    await rm(tmp, { force: true });
    await temps?.forget(ctx.id);
    throw err;
  }
  await rm(tmp, { force: true });
  await temps?.forget(ctx.id);
  if (byScript) await verifyOutput(output, grants);
  return { output, total: files.length, failed, counts };
}
