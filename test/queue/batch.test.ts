import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { QueueError, type Task } from '../../src/main/queue';
import { makeQueue } from './helpers';

const Add = z.object({ a: z.number(), b: z.number() });

function thrown(fn: () => unknown): QueueError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(QueueError);
    return e as QueueError;
  }
  throw new Error('expected a throw');
}

function setup() {
  const made = makeQueue();
  made.queue.define('add', { input: Add, handler: ({ a, b }) => a + b }).define('other', { input: Add, handler: () => 0, priority: 3 });
  return made;
}

describe('enqueueMany (batched)', () => {
  it('stores nothing when any item of a long batch is bad, and names the item', () => {
    const { queue, db } = setup();
    const items = (bad: number, item: { kind: string; input: unknown; options?: object }) =>
      Array.from({ length: 1000 }, (_, i) => (i === bad ? item : { kind: 'add', input: { a: i, b: 1 } }));
    const invalid = thrown(() => queue.enqueueMany(items(500, { kind: 'add', input: { a: 'x', b: 1 } })));
    expect(invalid.code).toBe('invalid_input');
    expect(invalid.message).toMatch(/^Item 500: Invalid input for "add": a:/);
    expect(invalid.details).toBeInstanceOf(Array);
    const option = thrown(() => queue.enqueueMany(items(700, { kind: 'add', input: { a: 1, b: 1 }, options: { delayMs: -1 } })));
    expect(option.code).toBe('invalid_option');
    expect(option.message).toMatch(/^Item 700: /);
    const unknown = thrown(() => queue.enqueueMany(items(999, { kind: 'nope', input: {} })));
    expect(unknown.code).toBe('unknown_kind');
    expect(unknown.message).toMatch(/^Item 999: .*"nope"/);
    expect((db.prepare('SELECT count(*) AS n FROM queue_tasks').get() as { n: number }).n).toBe(0);
    // A single enqueue is a batch of one, but its message has no item number.
    expect(thrown(() => queue.enqueue('add', { a: 'x', b: 1 })).message).toMatch(/^Invalid input for "add"/);
  });

  it('resolves defaults per kind when kinds alternate without options', () => {
    const { queue } = setup();
    const tasks = queue.enqueueMany(Array.from({ length: 90 }, (_, i) => ({ kind: i % 3 === 1 ? 'other' : 'add', input: { a: i, b: 0 } })));
    tasks.forEach((t, i) => {
      const kind = i % 3 === 1 ? 'other' : 'add';
      expect([t.kind, t.priority]).toEqual([kind, kind === 'other' ? 3 : 0]);
      const stored = queue.get(t.id)!;
      expect([stored.kind, stored.priority, stored.input]).toEqual([kind, t.priority, { a: i, b: 0 }]);
    });
  });

  it('returns full tasks in order, equal to what is stored, and emits one event per task', () => {
    const { queue } = setup();
    const seen: Task[] = [];
    queue.on('task', (t) => seen.push(t));
    const tasks = queue.enqueueMany(Array.from({ length: 1000 }, (_, i) => ({ kind: 'add', input: { a: i, b: 1 } })));
    expect(tasks.map((t) => (t.input as { a: number }).a)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(seen).toEqual(tasks);
    for (const i of [0, 63, 64, 999]) expect(queue.get(tasks[i].id)).toEqual(tasks[i]);
  });

  it('keeps dedupe keys: a batch with keys returns the live task for a repeated key', () => {
    const { queue } = setup();
    const first = queue.enqueue('add', { a: 1, b: 1 }, { dedupeKey: 'k1' });
    const tasks = queue.enqueueMany([
      { kind: 'add', input: { a: 2, b: 2 } },
      { kind: 'add', input: { a: 3, b: 3 }, options: { dedupeKey: 'k1' } },
      { kind: 'add', input: { a: 4, b: 4 }, options: { dedupeKey: 'k2' } },
    ]);
    expect(tasks[1].id).toBe(first.id);
    expect(tasks[2].dedupeKey).toBe('k2');
    expect(queue.list().items).toHaveLength(3);
  });
});
