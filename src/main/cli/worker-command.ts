import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { RedisTaskQueue, UnrecoverableError } from '../queue/index';
import { InferenceEngine, pickDefaultBackbone } from '../vision/index';
import { EMBED_KIND, EmbedBatchInput, type EmbedBatchResult, encodeVector } from '../services/broker/index';
import { backbonePreference, findModelsDir } from '../services/vision/index';

export const WORKER_USAGE = `  loupe worker --broker redis://… --server http://HOST:PORT --token TOKEN [--name NAME] [--slots N] [--models DIR] [--lease-ms MS]
      Take compute tasks (embedding) from the broker: pictures come from the server by content hash,
      vectors go back through the broker. SIGTERM drains: running tasks finish, no new ones start.
`;

/** Bigger than any picture the library takes (50 MiB): a longer body is refused, not buffered. */
const MAX_BLOB = 64 * 1024 * 1024;

/**
 * Fetches a picture from the server by content hash, streamed, and checks that what arrived
 * hashes to what was asked: a wrong or truncated body is an error, never an embedding.
 */
export async function fetchBlob(server: string, token: string, hash: string, signal?: AbortSignal): Promise<Buffer> {
  let res = await fetch(`${server}/v1/blobs/${hash}`, { headers: { authorization: `Bearer ${token}` }, signal });
  // The token's rate limit is shared by every worker: a 429 says when to come back, so wait, not fail.
  for (let tries = 0; res.status === 429 && tries < 20; tries++) {
    const wait = Math.min(5000, Math.max(100, Number(res.headers.get('retry-after') ?? '1') * 1000));
    await res.body?.cancel();
    await new Promise((r) => setTimeout(r, wait));
    signal?.throwIfAborted();
    res = await fetch(`${server}/v1/blobs/${hash}`, { headers: { authorization: `Bearer ${token}` }, signal });
  }
  if (!res.ok || !res.body) {
    const code = res.status === 401 ? 'unauthorized' : res.status === 404 ? 'image_not_found' : 'server_error';
    throw Object.assign(new Error(`The server answered ${res.status} for picture ${hash.slice(0, 12)}…`), { code, retryable: res.status >= 500 });
  }
  const sha = createHash('sha256');
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > MAX_BLOB) throw new UnrecoverableError(`Picture ${hash.slice(0, 12)}… is larger than ${MAX_BLOB} bytes.`, 'image_too_large');
    sha.update(chunk);
    parts.push(Buffer.from(chunk));
  }
  const got = sha.digest('hex');
  if (got !== hash) throw Object.assign(new Error(`Picture ${hash.slice(0, 12)}… arrived with hash ${got.slice(0, 12)}…; refused.`), { code: 'hash_mismatch' });
  return Buffer.concat(parts);
}

interface WorkerArgs {
  broker: string;
  server: string;
  token: string;
  name: string;
  slots: number;
  modelsDir: string | null;
  leaseMs: number;
}

function parse(args: string[]): WorkerArgs | string {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        broker: { type: 'string' },
        server: { type: 'string' },
        token: { type: 'string' },
        name: { type: 'string' },
        slots: { type: 'string', default: '2' },
        models: { type: 'string' },
        'lease-ms': { type: 'string', default: '30000' },
      },
    }));
  } catch (err) {
    return (err as Error).message;
  }
  const broker = values.broker ?? process.env.LOUPE_BROKER;
  if (!broker || !/^rediss?:\/\//.test(broker)) return '--broker must be a redis:// or rediss:// URL (or set LOUPE_BROKER).';
  const server = (values.server ?? '').replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+$/.test(server)) return "--server must be the Loupe server's http://HOST:PORT.";
  const token = values.token ?? process.env.LOUPE_TOKEN ?? '';
  if (token.length < 16) return "--token (or LOUPE_TOKEN) must be the server's API token.";
  const slots = Number(values.slots);
  if (!Number.isInteger(slots) || slots < 1 || slots > 64) return '--slots must be a whole number from 1 to 64.';
  const leaseMs = Number(values['lease-ms']);
  if (!Number.isInteger(leaseMs) || leaseMs < 500) return '--lease-ms must be a whole number of milliseconds, at least 500.';
  return { broker, server, token, name: values.name ?? `${hostname()}:${process.pid}`, slots, modelsDir: findModelsDir(values.models), leaseMs };
}

/**
 * `loupe worker`: registers on the broker (name, provider, slots), heartbeats, takes
 * embed-batch tasks, fetches their pictures from the server, embeds them with this
 * machine's onnxruntime and hands the vectors back. Returns the exit code.
 */
export async function workerCommand(args: string[]): Promise<number> {
  const a = parse(args);
  if (typeof a === 'string') {
    process.stderr.write(`loupe: ${a}\n\n${WORKER_USAGE}`);
    return 2;
  }
  if (!a.modelsDir) {
    process.stderr.write('loupe: the default backbone is missing; run `npm run models` or pass --models DIR.\n');
    return 1;
  }
  // The server's rule for which build embeds (int8 where its check held): a worker on another build is refused by id.
  const engine = await InferenceEngine.open({ modelPath: pickDefaultBackbone(a.modelsDir, backbonePreference()).modelPath });
  const report = engine.report();
  const queue = new RedisTaskQueue(a.broker, {
    name: 'loupe',
    workerId: a.name,
    concurrency: a.slots,
    leaseMs: a.leaseMs,
    pollMs: 100,
    workerInfo: { role: 'worker', name: a.name, provider: report.provider, slots: a.slots, backbone: report.backboneId, leaseMs: a.leaseMs },
    redis: { maxRetriesPerRequest: 1, commandTimeout: Math.max(1000, Math.floor(a.leaseMs / 3)) },
  });
  queue.on('error', (err) => process.stderr.write(`loupe worker: ${err instanceof Error ? err.message : String(err)}\n`));
  queue.on('lost', (e) => process.stderr.write(`loupe worker: dropped task ${e.id}: ${e.reason}\n`));
  queue.define(EMBED_KIND, {
    input: EmbedBatchInput,
    maxAttempts: 3,
    timeoutMs: 10 * 60_000,
    handler: async (input, ctx): Promise<EmbedBatchResult> => {
      if (input.backbone !== report.backboneId) {
        throw new UnrecoverableError(`This worker embeds with "${report.backboneId}", not "${input.backbone}".`, 'backbone_mismatch');
      }
      const bytes = await Promise.all(input.hashes.map((h) => fetchBlob(a.server, a.token, h, ctx.signal)));
      const results = await engine.embed(bytes, { signal: ctx.signal });
      return {
        backbone: report.backboneId,
        dim: report.featureDim,
        items: results.map((r, i) => (r.ok ? { hash: input.hashes[i], vector: encodeVector(r.embedding) } : { hash: input.hashes[i], error: r.error })),
      };
    },
  });
  queue.start();
  await queue.ready();
  process.stdout.write(`loupe worker ${a.name} ready (${report.provider}, ${a.slots} slots, backbone ${report.backboneId})\n`);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) process.exit(1);
      stopping = true;
      process.stderr.write(`loupe worker: ${signal}, finishing running tasks\n`);
      queue
        .close({ deadlineMs: 60_000 })
        .then(() => engine.close())
        .then(resolve, resolve);
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
  return 0;
}
