import { sep } from 'node:path';
import { type EmbedResult, predictTop } from '../../vision/index';
import type { LabelConfidence } from '../../../shared/contract/index';
import { LoupeError } from '../errors';
import type { VisionContext } from './context';
import type { ModelRegistry } from './model-registry';

/** An encoded picture and the name to blame when it cannot be read. */
export interface NamedImage {
  name: string;
  input: Buffer | string;
}

/** Image errors of the engine, as the API's codes (422 bad_image, 415 not an image…). */
function imageError(code: string, name: string, message: string): LoupeError {
  const apiCode =
    code === 'image_unsupported'
      ? 'unsupported_media_type'
      : code === 'image_too_large'
        ? 'too_large'
        : code === 'image_not_found'
          ? 'not_found'
          : code === 'image_not_a_file'
            ? 'validation'
            : 'bad_image';
  return new LoupeError(apiCode, `${name}: ${message}`);
}

/**
 * Classifies pictures with a model: backbone embedding (batched with any other request in
 * flight), then the head. A picture that cannot be read fails the request with its name.
 */
export class Prediction {
  constructor(
    private readonly vision: VisionContext,
    private readonly models: ModelRegistry,
  ) {}

  async predict(modelId: string, images: readonly NamedImage[], top = 5, signal?: AbortSignal): Promise<LabelConfidence[][]> {
    const head = this.models.head(modelId);
    const results = await this.embed(images, signal);
    const features: Float32Array[] = [];
    results.forEach((r, i) => {
      if (!r.ok) throw imageError(r.error.code, images[i].name, r.error.message);
      features.push(r.embedding);
    });
    return predictTop(head, features, Math.min(top, head.labels.length)).map((row) => row.map((p) => ({ label: p.label, confidence: p.confidence })));
  }

  /** Like predict, but a picture that cannot be read gets its own error instead of failing the rest. */
  async predictEach(
    modelId: string,
    images: readonly NamedImage[],
    top = 5,
    signal?: AbortSignal,
  ): Promise<Array<{ ok: true; top: LabelConfidence[] } | { ok: false; code: string; message: string }>> {
    const head = this.models.head(modelId);
    const results = await this.embed(images, signal);
    const ok = results.flatMap((r) => (r.ok ? [r.embedding] : []));
    const tops = ok.length > 0 ? predictTop(head, ok, Math.min(top, head.labels.length)) : [];
    let j = 0;
    return results.map((r, i) => {
      if (r.ok) return { ok: true as const, top: tops[j++].map((p) => ({ label: p.label, confidence: p.confidence })) };
      const e = imageError(r.error.code, images[i].name, r.error.message);
      return { ok: false as const, code: e.code, message: e.message };
    });
  }

  /**
   * Library pictures go through the context's embedder, so with a broker `loupe worker`s
   * compute them (they fetch the bytes by content hash); uploaded bytes and files outside
   * the library exist only on this machine, so this machine's backbone embeds those.
   */
  private async embed(images: readonly NamedImage[], signal?: AbortSignal): Promise<EmbedResult[]> {
    const root = this.vision.library.files.root + sep;
    const isBlob = (i: NamedImage) => typeof i.input === 'string' && i.input.startsWith(root);
    const blobs = images.filter(isBlob).map((i) => i.input as string);
    if (blobs.length === 0)
      return this.vision.backbone.embed(
        images.map((i) => i.input),
        { signal },
      );
    const others = images.filter((i) => !isBlob(i)).map((i) => i.input);
    const [fromBlobs, fromOthers] = await Promise.all([
      this.vision.embed(blobs, { signal }),
      others.length > 0 ? this.vision.backbone.embed(others, { signal }) : Promise.resolve([]),
    ]);
    let b = 0;
    let o = 0;
    return images.map((i) => (isBlob(i) ? fromBlobs[b++] : fromOthers[o++]));
  }

  /** Library pictures by id (their original files). */
  imageInput(imageId: string): NamedImage {
    // The path, not the bytes: the inference process reads the file itself.
    const { path } = this.vision.library.originalPath(imageId);
    return { name: `image ${imageId}`, input: path };
  }
}
