import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DEFAULT_MODEL_FILE,
  pickDefaultBackbone,
  VisionError,
  type BackbonePreference,
  type BackboneVariant,
  type DecodedAhead,
  type EmbedInput,
  type EmbedResult,
  type EngineReport,
  type ModelCard,
} from '../../vision/index';
import type { BackboneStatus } from '../../../shared/contract/index';
import type { SpawnChild } from '../../queue/index';
import { fail } from '../errors';
import type { VariantResult } from './augmentation';
import { EngineProcess } from './engine-process';

/** The one command that installs the default backbone (run in the Loupe folder). */
export const BACKBONE_FIX = 'npm run models';

/**
 * The folder of Loupe's own package: the nearest folder above `from` whose package.json is
 * Loupe's. Built, this code sits in out/main/ (or a chunk below it); from source, in
 * src/main/services/vision/: either way the package root is found by walking up, never by
 * asking where the person happened to start the command.
 */
export function packageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string | null {
  let dir = from;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'loupe') return dir;
      } catch {
        // not a readable package.json: keep walking up
      }
    }
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

/**
 * Where the default backbone may live, in order: an explicit folder, `LOUPE_MODELS_DIR`, the
 * packaged app's resources (electron-builder copies models/ there), and models/ of the
 * installed package. Never the working directory: `loupe serve` started from /tmp must
 * find the same backbone as from the checkout.
 */
export function modelsDirCandidates(explicit?: string): string[] {
  const resources = (process as { resourcesPath?: string }).resourcesPath;
  const root = packageRoot();
  return [explicit, process.env.LOUPE_MODELS_DIR, resources ? join(resources, 'models') : undefined, root ? join(root, 'models') : undefined].filter(
    (c): c is string => typeof c === 'string' && c.length > 0,
  );
}

export function findModelsDir(explicit?: string): string | null {
  for (const c of modelsDirCandidates(explicit)) if (existsSync(join(c, DEFAULT_MODEL_FILE))) return c;
  return null;
}

/** What /v1/health and every page say of the backbone (ready: installed, opened on first use). */
export type { BackboneStatus };

/** `LOUPE_BACKBONE=float|int8|auto` (default auto: int8 where its accuracy check held). */
export function backbonePreference(value: string | undefined = process.env.LOUPE_BACKBONE): BackbonePreference {
  return value === 'float' || value === 'int8' ? value : 'auto';
}

/** What embedded a vector: recorded with every model, so its card says which backbone build its head was trained on. */
export interface EmbeddedWith {
  backbone: string;
  /** SHA-256 of the backbone's ONNX file. */
  sha256: string;
  variant: BackboneVariant;
}

/**
 * The one backbone the app embeds with, opened on first use and shared by training,
 * prediction and batch jobs (its batcher merges their requests). It runs in its own process
 * (EngineProcess): decode, resize and inference stay off the main process. Opening costs a
 * process start, a model load and a warm-up, so an app that never trains never pays it; a
 * process that crashed is replaced by a fresh one at the next request.
 */
export class BackboneHost {
  private opening: Promise<EngineProcess> | null = null;
  private engine: EngineProcess | null = null;
  private lastReport: EngineReport | null = null;
  private failure: string | null = null;
  readonly modelPath: string | null;
  readonly card: ModelCard | null;
  /** Which build embeds, the file's hash, and why float was chosen over int8 (null: the default runs). */
  readonly embeddedWith: EmbeddedWith | null = null;
  readonly note: string | null = null;

  constructor(
    modelsDir: string | null,
    /** ORT intra-op threads; undefined: the engine's default, counted where it runs (defaultThreads). */
    private readonly threads?: number,
    private readonly spawn?: SpawnChild,
    prefer: BackbonePreference = backbonePreference(),
  ) {
    let card: ModelCard | null = null;
    let modelPath: string | null = null;
    if (modelsDir) {
      try {
        const picked = pickDefaultBackbone(modelsDir, prefer);
        card = picked.card;
        modelPath = picked.modelPath;
        this.note = picked.note;
        // Hashed once at start (a 1 MB file): the id holds only 12 hex digits of it.
        this.embeddedWith = { backbone: card.id, sha256: createHash('sha256').update(readFileSync(modelPath)).digest('hex'), variant: picked.variant };
      } catch (err) {
        card = null;
        this.failure = err instanceof Error ? err.message : String(err);
      }
    } else {
      const looked = modelsDirCandidates().join(', ') || 'no folder';
      this.failure = `The default backbone (models/${DEFAULT_MODEL_FILE}) is missing (looked in ${looked}); run \`${BACKBONE_FIX}\` in the Loupe folder to build it.`;
    }
    this.card = card;
    this.modelPath = card ? modelPath : null;
  }

  /** The id embeddings are cached under; null when no backbone is installed. */
  get id(): string | null {
    return this.card?.id ?? null;
  }

  get error(): string | null {
    return this.failure;
  }

  status(): BackboneStatus {
    if (!this.card) return { state: 'missing', id: null, message: this.failure ?? 'No backbone is installed.', fix: BACKBONE_FIX, variant: null, note: null };
    return {
      state: this.opening && !this.engine ? 'loading' : 'ready',
      id: this.card.id,
      message: null,
      fix: null,
      variant: this.embeddedWith?.variant ?? null,
      note: this.note,
    };
  }

  report(): EngineReport | null {
    return this.engine?.report() ?? this.lastReport;
  }

  /** The inference process's id while one runs (tests kill it to check recovery). */
  get pid(): number | null {
    return this.engine && !this.engine.dead ? (this.engine.pid ?? null) : null;
  }

  /** The backbone id, or a clear error when there is none. */
  requireId(): string {
    if (!this.card) throw fail.unavailable(this.failure ?? 'No backbone is installed.');
    return this.card.id;
  }

  requireCard(): { card: ModelCard; modelPath: string } {
    if (!this.card || !this.modelPath) throw fail.unavailable(this.failure ?? 'No backbone is installed.');
    return { card: this.card, modelPath: this.modelPath };
  }

  async get(): Promise<EngineProcess> {
    if (this.engine && !this.engine.dead) return this.engine;
    if (this.engine) {
      // The process crashed: this request starts a new one.
      this.engine = null;
      this.opening = null;
    }
    const { modelPath } = this.requireCard();
    this.opening ??= EngineProcess.open({ modelPath, threads: this.threads, spawn: this.spawn }).then(
      (e) => {
        this.engine = e;
        this.lastReport = e.report();
        this.failure = null;
        return e;
      },
      (err: unknown) => {
        this.opening = null;
        this.failure = err instanceof Error ? err.message : String(err);
        throw fail.unavailable(`The backbone could not be opened: ${this.failure}`);
      },
    );
    return this.opening;
  }

  /** A crashed inference process is a clear `unavailable` error; cancellations and closes keep their codes. */
  private async use<T>(work: (e: EngineProcess) => Promise<T>): Promise<T> {
    const engine = await this.get();
    try {
      return await work(engine);
    } catch (err) {
      if (err instanceof VisionError && err.code === 'inference_failed') throw fail.unavailable(err.message);
      throw err;
    }
  }

  embed(inputs: EmbedInput[], opts: { signal?: AbortSignal } = {}): Promise<EmbedResult[]> {
    return this.use((e) => e.embed(inputs, { signal: opts.signal }));
  }

  /** A picture checked and its thumbnail made in the inference process, its pixels kept there for embedding `path` (EngineProcess.decodeAhead). */
  decodeAhead(input: Buffer | string, path: string, thumbnailSide: number): Promise<DecodedAhead> {
    return this.use((e) => e.decodeAhead(input, path, thumbnailSide));
  }

  /** Augmented copies of each picture, made and embedded in the inference process. */
  embedVariants(paths: string[], opts: { signal?: AbortSignal } = {}): Promise<VariantResult[]> {
    return this.use((e) => e.embedVariants(paths, { signal: opts.signal }));
  }

  /** The backbone's own resize of one picture (RGB at its input size), e.g. to make augmented copies. */
  preprocess(path: string): Promise<Buffer> {
    return this.use((e) => e.preprocess(path));
  }

  inputSize(): { width: number; height: number } {
    const { card } = this.requireCard();
    return { width: card.input.width, height: card.input.height };
  }

  async close(): Promise<void> {
    const pending = this.opening;
    this.opening = null;
    const e = this.engine ?? (pending ? await pending.catch(() => null) : null);
    this.engine = null;
    await e?.close();
  }
}
