import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cardPathFor, DEFAULT_MODEL_FILE, InferenceEngine, readModelCard, type EmbedInput, type EmbedResult, type EngineReport, type ModelCard } from '../../vision/index';
import { fail } from '../errors';

/**
 * Where the default backbone lives: an explicit folder, `LOUPE_MODELS_DIR`, the packaged
 * app's resources, or `models/` of the checkout (the built CLI sits two folders below it).
 */
export function findModelsDir(explicit?: string): string | null {
  const here = dirname(fileURLToPath(import.meta.url));
  const resources = (process as { resourcesPath?: string }).resourcesPath;
  const candidates = [
    explicit,
    process.env.LOUPE_MODELS_DIR,
    resources ? join(resources, 'models') : undefined,
    join(process.cwd(), 'models'),
    join(here, '..', '..', 'models'),
    join(here, '..', '..', '..', '..', 'models'),
  ];
  for (const c of candidates) if (c && existsSync(join(c, DEFAULT_MODEL_FILE))) return c;
  return null;
}

/**
 * The one backbone the app embeds with, opened on first use and shared by training,
 * prediction and batch jobs (its batcher merges their requests). Opening costs a model
 * load and a warm-up, so an app that never trains never pays it.
 */
export class BackboneHost {
  private opening: Promise<InferenceEngine> | null = null;
  private engine: InferenceEngine | null = null;
  private failure: string | null = null;
  readonly modelPath: string | null;
  readonly card: ModelCard | null;

  constructor(modelsDir: string | null, private readonly threads = 2) {
    this.modelPath = modelsDir ? join(modelsDir, DEFAULT_MODEL_FILE) : null;
    let card: ModelCard | null = null;
    if (this.modelPath) {
      try {
        card = readModelCard(cardPathFor(this.modelPath));
      } catch (err) {
        this.failure = err instanceof Error ? err.message : String(err);
      }
    } else {
      this.failure = 'The default backbone (models/mobilenet_v2.onnx) is missing; run `npm run models` to build it.';
    }
    this.card = card;
  }

  /** The id embeddings are cached under; null when no backbone is installed. */
  get id(): string | null {
    return this.card?.id ?? null;
  }

  get error(): string | null {
    return this.failure;
  }

  report(): EngineReport | null {
    return this.engine?.report() ?? null;
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

  async get(): Promise<InferenceEngine> {
    if (this.engine) return this.engine;
    const { modelPath } = this.requireCard();
    this.opening ??= InferenceEngine.open({ modelPath, threads: this.threads }).then(
      (e) => {
        this.engine = e;
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

  async embed(inputs: EmbedInput[], opts: { signal?: AbortSignal } = {}): Promise<EmbedResult[]> {
    const engine = await this.get();
    return engine.embed(inputs, { signal: opts.signal });
  }

  /** The backbone's own resize of one picture (RGB at its input size), e.g. to make augmented copies. */
  async preprocess(path: string): Promise<Buffer> {
    const engine = await this.get();
    return engine.preprocess(path);
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
