import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import type * as ort from 'onnxruntime-node';
import { VisionError } from '../../pure/errors';
import { SessionThread, type SessionMeta } from './session-thread';

// Execution provider choice per platform, tried in order with a visible record of what ran and
// why anything was skipped. CPU is always last and always there.

export type ProviderName = 'cuda' | 'dml' | 'coreml' | 'cpu';

export interface ProviderAttempt {
  provider: ProviderName;
  ok: boolean;
  error?: string;
}

/** CUDA on Linux (when its provider libraries are installed), DirectML on Windows, CoreML on macOS, then CPU. */
export function defaultProviders(platform: NodeJS.Platform = process.platform): ProviderName[] {
  if (platform === 'linux') return ['cuda', 'cpu'];
  if (platform === 'win32') return ['dml', 'cpu'];
  if (platform === 'darwin') return ['coreml', 'cpu'];
  return ['cpu'];
}

/**
 * ORT intra-op threads for a machine with `cores` cores: one is left to sharp, whose decodes run
 * alongside, where there are three or more; with every core given to ORT its threads wait on
 * each other at every layer whenever a decode holds a core (about 1.3× slower through the
 * pipeline, measured on a heavily loaded 2-core machine). On exactly two cores both go to ORT
 * all the same: leaving one to decoding idles it on small pictures, whose decode is short
 * (a whole import of 28×28 PNGs ran 25–30 % faster by the clock with 2 threads than with 1,
 * 1 MP JPEGs within ±5 %, 2026-12-06, bench/vision/RESULTS-import.md). At most 4, a cap
 * nobody has measured past: the machines here have two cores.
 */
export function defaultThreads(cores: number = availableParallelism()): number {
  if (cores <= 2) return Math.max(1, cores);
  return Math.min(4, cores - 1);
}

/**
 * Session options Loupe always uses. `disable_quant_qdq` makes ORT fold the uint8 weights'
 * DequantizeLinear into float constants instead of running a quantized kernel (3× slower here);
 * spinning is off because sharp decodes on the same cores while ORT waits.
 */
export function sessionOptions(provider: ProviderName, threads: number, opts: { keepQdq?: boolean } = {}): ort.InferenceSession.SessionOptions {
  // A statically quantized (int8 QDQ) model needs the QDQ groups kept, to become QLinearConv.
  const qdq = opts.keepQdq ? {} : { 'session.disable_quant_qdq': '1' };
  return {
    executionProviders: [provider],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    extra: {
      ...qdq,
      'session.intra_op.allow_spinning': '0',
      'session.inter_op.allow_spinning': '0',
    },
  } as ort.InferenceSession.SessionOptions;
}

/**
 * onnxruntime-node ships CUDA's provider libraries separately (`ONNXRUNTIME_NODE_INSTALL=cuda12`,
 * see docs/vision.md); without them trying CUDA only prints a native error, so say so instead.
 */
function missingReason(provider: ProviderName): string | undefined {
  if (provider !== 'cuda' || process.platform !== 'linux') return undefined;
  try {
    const pkg = dirname(dirname(createRequire(import.meta.url).resolve('onnxruntime-node')));
    const lib = join(pkg, 'bin', 'napi-v6', 'linux', process.arch, 'libonnxruntime_providers_cuda.so');
    if (existsSync(lib)) return undefined;
    return 'CUDA provider libraries are not installed (ONNXRUNTIME_NODE_INSTALL=cuda12, see docs/vision.md)';
  } catch {
    return undefined;
  }
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0].slice(0, 300);
}

/** Is this ORT error about the model file rather than the provider? */
function isModelError(msg: string): boolean {
  return /protobuf parsing failed|Load model .* failed|No graph was found|ModelProto|model_path|Invalid model|INVALID_PROTOBUF|INVALID_GRAPH/i.test(msg);
}

export interface OpenedSession {
  thread: SessionThread;
  meta: SessionMeta;
  provider: ProviderName;
  attempts: ProviderAttempt[];
}

/** Opens a session, on its own thread, on the first provider that works. */
export async function openSession(
  model: Uint8Array,
  file: string,
  providers: ProviderName[],
  threads: number,
  opts: { keepQdq?: boolean } = {},
): Promise<OpenedSession> {
  const order = providers.includes('cpu') ? providers : [...providers, 'cpu' as const];
  const attempts: ProviderAttempt[] = [];
  const thread = new SessionThread();
  try {
    for (const provider of order) {
      const missing = missingReason(provider);
      if (missing) {
        attempts.push({ provider, ok: false, error: missing });
        continue;
      }
      try {
        const meta = await thread.create(model, sessionOptions(provider, threads, opts));
        attempts.push({ provider, ok: true });
        return { thread, meta, provider, attempts };
      } catch (err) {
        const msg = firstLine(err);
        if (isModelError(msg)) throw new VisionError('model_invalid', `${file} is not a usable ONNX model: ${msg}`);
        attempts.push({ provider, ok: false, error: msg });
        if (provider === 'cpu') throw new VisionError('model_invalid', `${file} could not be loaded: ${msg}`);
      }
    }
    throw new VisionError('model_invalid', `${file} could not be loaded on any execution provider.`);
  } catch (err) {
    await thread.close();
    throw err;
  }
}
