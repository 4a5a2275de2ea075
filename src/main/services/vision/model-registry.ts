import { existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { deserializeHead, exportModel, type HeadWeights } from '../../vision/index';
import type { Model } from '../../../shared/contract/index';
import { fail } from '../errors';
import type { VisionContext } from './context';

/** Heads kept decoded in memory: prediction must not re-read a blob per request. */
const HEAD_CACHE = 16;

/**
 * Models: lookup, their decoded heads (cached), and the exported ONNX file, built once per
 * model into DATA/models/<id>.onnx (a model never changes, so neither does its file).
 */
export class ModelRegistry {
  private readonly heads = new Map<string, HeadWeights>();
  private readonly exporting = new Map<string, Promise<string>>();

  constructor(private readonly vision: VisionContext) {}

  get(id: string): Model {
    const m = this.vision.records.getModel(id);
    if (!m) throw fail.notFound(`No model ${id}.`);
    return m;
  }

  list(datasetId: string | undefined, limit: number, cursor?: string | null) {
    return this.vision.records.listModels(datasetId, limit, cursor);
  }

  head(id: string): HeadWeights {
    const cached = this.heads.get(id);
    if (cached) return cached;
    const model = this.get(id);
    const current = this.vision.backbone.id;
    if (current && model.backbone !== current) {
      throw fail.conflict(`Model ${id} was trained on backbone "${model.backbone}", but the app now runs "${current}". Retrain it.`);
    }
    const head = deserializeHead(this.vision.records.headOf(id)!) as HeadWeights;
    if (this.heads.size >= HEAD_CACHE) this.heads.delete(this.heads.keys().next().value!);
    this.heads.set(id, head);
    return head;
  }

  /** Drops a deleted model's decoded head. */
  forget(id: string): void {
    this.heads.delete(id);
  }

  exportPath(id: string): string {
    return join(this.vision.dataDir, 'models', `model-${id}.onnx`);
  }

  /** The model's ONNX file (built on first request), and optionally a copy at `to`. */
  async export(id: string, to?: string): Promise<{ path: string; bytes: number }> {
    const file = await this.ensureExport(id);
    if (to) {
      mkdirSync(dirname(to), { recursive: true });
      await copyFile(file, to);
      return { path: to, bytes: statSync(to).size };
    }
    return { path: file, bytes: statSync(file).size };
  }

  ensureExport(id: string): Promise<string> {
    const model = this.get(id);
    const file = this.exportPath(id);
    if (existsSync(file)) return Promise.resolve(file);
    let pending = this.exporting.get(id);
    if (!pending) {
      pending = (async () => {
        const { card, modelPath } = this.vision.backbone.requireCard();
        const onnx = await exportModel({
          backbonePath: modelPath,
          card,
          head: this.head(id),
          labels: model.labels,
          metadata: { loupe_model_id: model.id, loupe_model_name: model.name },
        });
        mkdirSync(dirname(file), { recursive: true });
        // Written aside then renamed: a crash mid-write never leaves a half file in the cache.
        const tmp = `${file}.${process.pid}.tmp`;
        writeFileSync(tmp, onnx);
        renameSync(tmp, file);
        return file;
      })().finally(() => this.exporting.delete(id));
      this.exporting.set(id, pending);
    }
    return pending;
  }
}
