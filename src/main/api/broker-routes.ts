import { z } from 'zod';
import { HttpError, type Blueprint } from '../http/index';
import type { BrokerService } from '../services/broker/index';
import { BrokerWorker } from '../../shared/contract/index';

/** docs/api.md: the broker in use, and each worker: the contract's BrokerWorker, times ISO 8601 as in every answer. */
const Workers = z.object({
  broker: z.union([z.object({ kind: z.literal('sqlite') }), z.object({ kind: z.literal('redis'), url: z.string() })]),
  items: z.array(BrokerWorker),
});
const blob = { contentType: 'application/octet-stream', schema: { type: 'string', contentMediaType: 'application/octet-stream' } };

const HashParams = z.object({ hash: z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 content hash (64 lowercase hex digits)') });

/**
 * What `loupe worker`s need of the server: the pictures, by content hash (streamed; the
 * worker checks the hash of what it received), and the list of workers for the Tasks page.
 * Both sit behind the token like every route but /v1/health.
 */
export function brokerRoutes(broker: BrokerService | null, blobPath: (hash: string) => string | null): (v1: Blueprint) => void {
  return (v1) => {
    v1.get(
      '/blobs/:hash',
      { summary: 'A picture’s bytes by content hash (for workers)', tags: ['workers'], schema: { params: HashParams, response: { 200: blob } } },
      (ctx) => {
        const path = blobPath(ctx.valid.params.hash);
        if (!path) throw new HttpError(404, 'not_found', `No picture with hash ${ctx.valid.params.hash} in this library.`);
        return ctx.sendFile(path, { contentType: 'application/octet-stream', maxAge: 31_536_000, immutable: true });
      },
    );

    v1.get(
      '/workers',
      {
        summary: 'Workers registered on the broker: name, provider, slots, tasks done, rate, last heartbeat, state',
        tags: ['workers'],
        schema: { response: { 200: Workers } },
      },
      async () => ({
        broker: broker ? broker.describe() : { kind: 'sqlite' as const },
        items: broker ? await broker.workers() : [],
      }),
    );
  };
}
