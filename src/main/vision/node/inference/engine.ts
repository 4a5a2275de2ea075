import { readFile } from 'node:fs/promises';
import { VisionError, type VisionErrorCode } from '../../pure/errors';
import { DEFAULT_LIMIT_INPUT_PIXELS, decodeUpright, preprocessImage, resizeWithThumbnail } from '../preprocess/preprocess';
import { DynamicBatcher } from './batcher';
import { cardPathFor, readModelCard, type ModelCard } from './model-card';
import { PreparedPixels } from './prepared-pixels';
import { checkModelFits, featureOutputDim, toInputTensor } from './model-io';
import { defaultProviders, defaultThreads, openSession, type ProviderAttempt, type ProviderName } from './providers';
import type { PlainTensor, SessionThread } from './session-thread';

/** A picture checked and decoded ahead of its embedding (InferenceEngine.decodeAhead). */
export interface DecodedAhead {
  /** WebP, upright, on white. */
  thumbnail: Buffer;
  /** sharp's name of the file's format (jpeg, png, webp, …). */
  format: string;
  /** Size as a person sees it (EXIF rotation applied). */
  width: number;
  height: number;
}

export interface EngineOptions {
  /** The backbone ONNX file. */
  modelPath: string;
  /** Its JSON card; default: beside the model with the extension `.json`. */
  cardPath?: string;
  /** ORT intra-op threads; default min(4, cores - 1), at least 1 (one core is left to decoding). */
  threads?: number;
  /** Providers to try in order; default per platform (see defaultProviders), CPU always last. */
  providers?: ProviderName[];
  /**
   * Largest batch (default 8 on CPU, where bigger batches only add memory traffic, 32 on a GPU)
   * and how long a first item waits for company (default 4 ms).
   */
  maxBatch?: number;
  maxDelayMs?: number;
  /** Images decoding at once (default 2: keeps sharp busy while ORT runs). */
  decodeConcurrency?: number;
  /** Refuse images above this many pixels before decoding (default 100 MP). */
  limitInputPixels?: number;
  /** Memory for pixels prepared ahead of their embedding (see decodeAhead; default 64 MiB, about 430 pictures at 224 px). */
  preparedBytes?: number;
}

/** An encoded image (bytes or a file path), or pixels already preprocessed to the model's input size (RGB, HWC). */
export type EmbedInput = Buffer | string | { pixels: Uint8Array };

export interface EmbedOptions {
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export type EmbedResult = { ok: true; embedding: Float32Array } | { ok: false; error: { code: VisionErrorCode; message: string } };

export interface EngineReport {
  /** The execution provider that runs the model now. */
  provider: ProviderName;
  /** Every provider tried, in order, with the reason it was skipped. */
  attempts: ProviderAttempt[];
  threads: number;
  backboneId: string;
  featureDim: number;
  input: { width: number; height: number };
  maxBatch: number;
  modelPath: string;
}

function errorResult(err: unknown): EmbedResult {
  if (err instanceof VisionError) return { ok: false, error: err.toJSON() };
  const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
  return { ok: false, error: { code: 'inference_failed', message: `The model failed on this image: ${message}` } };
}

/**
 * Owns the ONNX Runtime session of one backbone: decodes with sharp in parallel with inference,
 * batches dynamically, and answers one result per input, in order, never throwing for one bad image.
 */
export class InferenceEngine {
  private session: SessionThread;
  private provider: ProviderName;
  private attempts: ProviderAttempt[];
  private readonly batcher: DynamicBatcher<Uint8Array, Float32Array>;
  private readonly decodeQueue: Array<() => void> = [];
  private decoding = 0;
  private active = 0;
  /** Inputs of running embed calls not yet handed to the batcher (decoding or waiting to). */
  private incoming = 0;
  private drained: Array<() => void> = [];
  private closed = false;
  private readonly prepared: PreparedPixels;

  private constructor(
    private readonly opts: Required<Omit<EngineOptions, 'cardPath' | 'providers'>>,
    readonly card: ModelCard,
    opened: Awaited<ReturnType<typeof openSession>>,
    private readonly modelBytes: Uint8Array,
  ) {
    this.prepared = new PreparedPixels(opts.preparedBytes);
    this.session = opened.thread;
    this.provider = opened.provider;
    this.attempts = opened.attempts;
    this.batcher = new DynamicBatcher({
      maxBatch: opts.maxBatch,
      maxDelayMs: opts.maxDelayMs,
      run: (b) => this.runBatch(b),
      onTake: () => this.admit(),
      moreComing: () => this.incoming > 0,
    });
  }

  static async open(options: EngineOptions): Promise<InferenceEngine> {
    const cardPath = options.cardPath ?? cardPathFor(options.modelPath);
    const card = readModelCard(cardPath);
    const bytes = await readFile(options.modelPath).catch(() => {
      throw new VisionError('model_not_found', `No model file at ${options.modelPath}.`);
    });
    const threads = options.threads ?? defaultThreads();
    const opened = await openSession(bytes, options.modelPath, options.providers ?? defaultProviders(), threads, {
      keepQdq: card.quantization === 'int8-static',
    });
    try {
      checkModelFits(opened.meta, card, options.modelPath);
      // One warm-up image checks the output length against the card and pays first-run costs now.
      const probe = await opened.thread.run({ [card.input.name]: toInputTensor(card, [new Uint8Array(card.input.width * card.input.height * 3)]) }, [
        card.output.name,
      ]);
      const dim = featureOutputDim(probe[card.output.name]);
      if (dim !== card.output.dim) {
        throw new VisionError('model_input_mismatch', `${options.modelPath} gives ${dim} features but its card says ${card.output.dim}.`);
      }
    } catch (err) {
      await opened.thread.close();
      if (err instanceof VisionError) throw err;
      throw new VisionError('model_input_mismatch', `${options.modelPath} does not run with its card's input: ${(err as Error).message.split('\n')[0]}`);
    }
    const opts = {
      modelPath: options.modelPath,
      threads,
      maxBatch: options.maxBatch ?? (opened.provider === 'cpu' ? 8 : 32),
      maxDelayMs: options.maxDelayMs ?? 4,
      decodeConcurrency: options.decodeConcurrency ?? 2,
      limitInputPixels: options.limitInputPixels ?? DEFAULT_LIMIT_INPUT_PIXELS,
      preparedBytes: options.preparedBytes ?? 64 * 2 ** 20,
    };
    return new InferenceEngine(opts, card, opened, bytes);
  }

  report(): EngineReport {
    return {
      provider: this.provider,
      attempts: this.attempts,
      threads: this.opts.threads,
      backboneId: this.card.id,
      featureDim: this.card.output.dim,
      input: { width: this.card.input.width, height: this.card.input.height },
      maxBatch: this.opts.maxBatch,
      modelPath: this.opts.modelPath,
    };
  }

  /** Decodes and resizes one image exactly as embed() does (RGB bytes at the model's input size). */
  preprocess(input: Buffer | string): Promise<Buffer> {
    return preprocessImage(input, { width: this.card.input.width, height: this.card.input.height, limitInputPixels: this.opts.limitInputPixels });
  }

  /**
   * Decodes a picture once for two uses: checks it strictly (`failOn: 'warning'`: damaged data
   * is refused, not decoded half grey) and returns its thumbnail (`thumbnailSide` px, WebP);
   * the pixels embed() would make from the file at `path` are kept for it, so embedding that
   * file later skips its decode. They are the same pixels: the same decode and resize
   * (preprocessImage), only the refusal is stricter. `path` must name a file that holds these
   * bytes once written and never anything else (a content-addressed library file). The
   * header's format and upright size come back with the thumbnail, so the caller need not
   * parse the picture a second time.
   */
  async decodeAhead(bytes: Buffer, path: string, thumbnailSide: number): Promise<DecodedAhead> {
    if (this.closed) throw new VisionError('engine_closed', 'The inference engine is closed.');
    const { width, height } = this.card.input;
    // While an embedding takes these pixels, an import waits for room rather than run so far
    // ahead that its pictures would be decoded again (PreparedPixels).
    await this.prepared.room(width * height * 3);
    const picture = await decodeUpright(bytes, { side: Math.max(width, height), limitInputPixels: this.opts.limitInputPixels, failOn: 'warning' });
    const { pixels, thumbnail } = await resizeWithThumbnail(picture, width, height, thumbnailSide);
    this.prepared.put(path, pixels);
    return { thumbnail, ...picture.source };
  }

  /**
   * Embeds images: one result per input, in input order. Bad images give `{ok:false}` results;
   * an aborted call rejects with a VisionError `aborted` (work already started finishes quietly).
   */
  async embed(inputs: EmbedInput[], options: EmbedOptions = {}): Promise<EmbedResult[]> {
    const { signal, onProgress } = options;
    if (this.closed) throw new VisionError('engine_closed', 'The inference engine is closed.');
    if (signal?.aborted) throw new VisionError('aborted', 'Embedding was cancelled.');
    let done = 0;
    this.incoming += inputs.length;
    const one = async (input: EmbedInput): Promise<EmbedResult> => {
      this.active++;
      let handed = false;
      try {
        const pixels = await this.decodeSlot(input, signal);
        this.incoming--;
        handed = true;
        const embedding = await this.batcher.push(pixels);
        return { ok: true, embedding };
      } catch (err) {
        if (!handed) this.incoming--;
        return errorResult(err);
      } finally {
        done++;
        if (--this.active === 0) this.drained.splice(0).forEach((r) => r());
        onProgress?.(done, inputs.length);
      }
    };
    const results = await Promise.all(inputs.map(one));
    if (signal?.aborted) throw new VisionError('aborted', 'Embedding was cancelled.');
    return results;
  }

  /** Runs a decode when a slot is free, and only while the batcher is not already well fed. */
  private async decodeSlot(input: EmbedInput, signal?: AbortSignal): Promise<Uint8Array> {
    const size = this.card.input.width * this.card.input.height * 3;
    if (typeof input === 'object' && !Buffer.isBuffer(input)) {
      if (input.pixels.length !== size) {
        throw new VisionError(
          'image_unsupported',
          `Preprocessed pixels must be ${this.card.input.width}×${this.card.input.height} RGB (${size} bytes), not ${input.pixels.length}.`,
        );
      }
      return input.pixels;
    }
    const ready = typeof input === 'string' ? this.prepared.take(input) : undefined;
    if (ready !== undefined) return ready;
    await new Promise<void>((resolve) => {
      this.decodeQueue.push(resolve);
      this.admit();
    });
    try {
      if (signal?.aborted) throw new VisionError('aborted', 'Embedding was cancelled.');
      if (this.closed) throw new VisionError('engine_closed', 'The inference engine is closed.');
      return await this.preprocess(input);
    } finally {
      this.decoding--;
      this.admit();
    }
  }

  /**
   * Starts queued decodes while a slot is free and the batcher holds less than two batches:
   * decoded images never pile up in memory faster than the model consumes them.
   */
  private admit(): void {
    const room = 2 * this.opts.maxBatch;
    while (this.decodeQueue.length > 0 && this.decoding < this.opts.decodeConcurrency && this.batcher.waiting + this.decoding < room) {
      this.decoding++;
      this.decodeQueue.shift()!();
    }
  }

  private async runBatch(batch: Uint8Array[]): Promise<Float32Array[]> {
    const feeds = { [this.card.input.name]: toInputTensor(this.card, batch) };
    const outputs = [this.card.output.name];
    let out: Record<string, PlainTensor>;
    try {
      out = await this.session.run(feeds, outputs);
    } catch (err) {
      // A GPU provider that fails, or a crashed inference thread, gets one fresh CPU session.
      if (this.provider === 'cpu' && !this.session.isDead) throw err;
      await this.fallbackToCpu(err);
      out = await this.session.run({ [this.card.input.name]: toInputTensor(this.card, batch) }, outputs);
    }
    const t = out[this.card.output.name];
    const data = t.data as Float32Array;
    const d = this.card.output.dim;
    return batch.map((_, i) => data.slice(i * d, (i + 1) * d));
  }

  /** A provider (or thread) that fails at run time is replaced by CPU for the rest of the session, visibly. */
  private async fallbackToCpu(err: unknown): Promise<void> {
    const failed = this.provider;
    const opened = await openSession(this.modelBytes, this.opts.modelPath, ['cpu'], this.opts.threads, { keepQdq: this.card.quantization === 'int8-static' });
    const old = this.session;
    this.session = opened.thread;
    this.provider = 'cpu';
    this.attempts = [
      ...this.attempts.filter((a) => a.provider !== failed),
      { provider: failed, ok: false, error: `failed while running: ${(err as Error).message?.split('\n')[0]}` },
      ...opened.attempts,
    ];
    await old.close().catch(() => undefined);
  }

  /** Finishes queued work, then releases the session. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.active > 0) await new Promise<void>((r) => this.drained.push(r));
    await this.batcher.idle();
    await this.session.close();
  }
}
