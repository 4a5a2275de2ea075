// Entry of the inference process (services/vision/engine-process.ts starts it): the backbone's
// InferenceEngine lives here, with sharp's decode and resize, so pictures cross the process
// boundary as paths or encoded bytes and only embeddings come back. Inside, the engine keeps
// its ORT session on a worker thread, so decodes still overlap inference.
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { InferenceEngine, type EmbedInput } from '../vision/node/inference/engine';
import { VisionError } from '../vision/pure/errors';
import { embedVariantsWith } from '../services/vision/augmentation';
import type { InferenceReply, InferenceRequest } from '../services/vision/engine-process';
import { listenToParent, reportMemory, sendToParent } from '../queue/parent-channel';

// One libvips thread per picture: the engine decodes two pictures at once already, and on a
// small machine a pool per picture only adds hand-offs (measured: about 0.6 CPU ms less per
// 1 MP JPEG, pinned to one core or spread over two, for the same wall time).
sharp.concurrency(1);

let engine: InferenceEngine | null = null;
const controllers = new Map<number, AbortController>();

/** Bytes arrive as Uint8Array (structured clone) or Buffer (V8 serialization); the engine wants Buffers. */
function asInput(x: string | Uint8Array | { pixels: Uint8Array }): EmbedInput {
  if (typeof x === 'string' || Buffer.isBuffer(x)) return x;
  if (x instanceof Uint8Array) return Buffer.from(x.buffer, x.byteOffset, x.byteLength);
  return x;
}

function errorOf(err: unknown): { code: string; message: string } {
  if (err instanceof VisionError) return err.toJSON();
  return { code: 'inference_failed', message: err instanceof Error ? err.message : String(err) };
}

async function answer(id: number, work: () => Promise<unknown>): Promise<void> {
  try {
    sendToParent({ t: 'reply', id, ok: true, value: await work() } satisfies InferenceReply);
  } catch (err) {
    sendToParent({ t: 'reply', id, ok: false, error: errorOf(err) } satisfies InferenceReply);
  } finally {
    controllers.delete(id);
  }
}

function onMessage(raw: unknown): void {
  const m = raw as InferenceRequest;
  if (m.t === 'open') {
    InferenceEngine.open(m.options).then(
      (e) => {
        engine = e;
        sendToParent({ t: 'opened', report: e.report() } satisfies InferenceReply);
      },
      (err: unknown) => {
        sendToParent({ t: 'reply', id: 0, ok: false, error: errorOf(err) } satisfies InferenceReply);
      },
    );
  } else if (m.t === 'embed') {
    const controller = new AbortController();
    controllers.set(m.id, controller);
    void answer(m.id, async () => {
      const results = await engine!.embed(m.inputs.map(asInput), { signal: controller.signal });
      return results;
    });
  } else if (m.t === 'preprocess') {
    void answer(m.id, async () => {
      const px = await engine!.preprocess(asInput(m.input) as Buffer | string);
      return new Uint8Array(px.buffer, px.byteOffset, px.byteLength);
    });
  } else if (m.t === 'decode-ahead') {
    void answer(m.id, async () => {
      // A path names a file the app staged itself (never one a person named): read in one call.
      const bytes = typeof m.input === 'string' ? readFileSync(m.input) : (asInput(m.input) as Buffer);
      const ahead = await engine!.decodeAhead(bytes, m.path, m.thumbnailSide);
      const t = ahead.thumbnail;
      return { ...ahead, thumbnail: new Uint8Array(t.buffer, t.byteOffset, t.byteLength) };
    });
  } else if (m.t === 'variants') {
    const controller = new AbortController();
    controllers.set(m.id, controller);
    const e = engine!;
    const input = { width: e.card.input.width, height: e.card.input.height };
    void answer(m.id, () =>
      embedVariantsWith({ preprocess: (p) => e.preprocess(p), inputSize: () => input, embed: (x, o) => e.embed(x, o) }, m.paths, controller.signal),
    );
  } else if (m.t === 'abort') {
    controllers.get(m.id)?.abort();
  } else if (m.t === 'close') {
    void (engine?.close() ?? Promise.resolve()).finally(() => process.exit(0));
  }
}

listenToParent(onMessage);
reportMemory();
