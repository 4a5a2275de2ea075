import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { Claimer } from '../../src/main/queue/claimer';
import { makeQueue, sleep, waitSettled, waitState } from './helpers';

const N = z.object({ n: z.number() });

/*
 * A due task that cannot be claimed (its kind's concurrency is full, its kind is unknown to
 * this runner) must not make the runner turn again at once: each turn is a BEGIN IMMEDIATE
 * transaction, and an import spent hundreds of them while its embed task waited. The runner
 * turns when something frees the slot (a task settles) or on its poll tick.
 */
afterEach(() => vi.restoreAllMocks());

describe('claim turns while a due task waits', () => {
  it('does not spin while a due task waits on its kind’s concurrency, and claims it as soon as the slot frees', async () => {
    const { queue } = makeQueue({ pollMs: 100 });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    queue.define('slow', { input: N, concurrency: 1, handler: async ({ n }) => (n === 0 ? await gate : undefined, n) });
    const first = queue.enqueue('slow', { n: 0 });
    const second = queue.enqueue('slow', { n: 1 });
    queue.start();
    await waitState(queue, first.id, 'running');
    const claims = vi.spyOn(Claimer.prototype, 'claim');
    await sleep(500);
    // Five poll ticks and a heartbeat or two; a spinning runner makes thousands of turns here.
    expect(claims.mock.calls.length).toBeLessThan(25);
    expect(queue.get(second.id)!.state).toBe('queued');
    release();
    expect((await waitSettled(queue, second.id, 5000)).state).toBe('succeeded');
  });

  it('does not spin on a due task of a kind this runner does not run', async () => {
    const { queue, db } = makeQueue({ pollMs: 100 });
    queue.define('known', { input: N, handler: ({ n }) => n });
    const stranger = queue.enqueue('known', { n: 1 });
    // Another process's kind: the row is there and due, this runner cannot claim it.
    db.prepare("UPDATE queue_tasks SET kind = 'elsewhere' WHERE id = ?").run(Number(stranger.id));
    queue.start();
    const claims = vi.spyOn(Claimer.prototype, 'claim');
    await sleep(500);
    expect(claims.mock.calls.length).toBeLessThan(25);
    // And a task of a known kind queued meanwhile still runs at once.
    const known = queue.enqueue('known', { n: 2 });
    expect((await waitSettled(queue, known.id, 5000)).state).toBe('succeeded');
  });

  it('still wakes for a task whose runAt comes later', async () => {
    const { queue } = makeQueue({ pollMs: 10_000 });
    queue.define('known', { input: N, handler: ({ n }) => n });
    queue.start();
    const later = queue.enqueue('known', { n: 1 }, { runAt: Date.now() + 200 });
    expect((await waitSettled(queue, later.id, 3000)).state).toBe('succeeded');
  });
});
