// The backbone runs in its own process: the same results as the in-process engine, pictures
// passed as paths or bytes, a kill -9 of the process reported clearly and survived (the next
// request starts a new process), and cancellation still answers at once.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forkChild, type SpawnChild } from '../../src/main/queue/index';
import { BackboneHost, findModelsDir } from '../../src/main/services/vision/backbone';
import { defaultThreads, InferenceEngine } from '../../src/main/vision/index';
import { kindPicture, kindPictures } from './vision-pictures';

let dir: string;
let host: BackboneHost;
const spawned: Array<{ entry: string; execArgv: string[]; pid?: number }> = [];
// The pluggable spawn (the Electron shell passes utilityProcess.fork here); this one records.
const spawn: SpawnChild = (entry, opts) => {
  const child = forkChild(entry, opts);
  spawned.push({ entry, execArgv: opts.execArgv, pid: child.pid });
  return child;
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-engine-process-'));
  host = new BackboneHost(findModelsDir(), 2, spawn);
});
afterAll(async () => {
  await host.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the backbone in its own process', () => {
  it('embeds paths and bytes exactly as the in-process engine does, bad pictures as values', async () => {
    const pictures = await kindPictures('red', 3, 1);
    const path = join(dir, 'red.png');
    writeFileSync(path, pictures[0]);
    const corrupt = Buffer.from(pictures[1].subarray(0, 60));
    const inputs = [path, pictures[1], pictures[2], corrupt];
    const remote = await host.embed(inputs);
    expect(host.pid).toBeGreaterThan(0);
    expect(host.pid).not.toBe(process.pid);
    expect(spawned.at(-1)!.entry).toMatch(/inference-worker\.ts$/);
    expect(spawned.at(-1)!.execArgv).toContain('--max-old-space-size=1024');
    // Embedding fills the cores; the app's event loop comes first: every thread of the process
    // (onnxruntime's pool, V8's helpers) runs 5 nicer than the app.
    const threads = readdirSync(`/proc/${host.pid}/task`).map(Number);
    expect(threads.length).toBeGreaterThan(3);
    expect(threads.map((tid) => getPriority(tid))).toEqual(threads.map(() => Math.min(19, getPriority() + 5)));

    // The same build the host picked (int8 where its accuracy check held).
    const local = await InferenceEngine.open({ modelPath: host.modelPath!, threads: 2 });
    try {
      const here = await local.embed(inputs);
      expect(remote.map((r) => r.ok)).toEqual([true, true, true, false]);
      for (let i = 0; i < 3; i++) {
        const a = remote[i],
          b = here[i];
        if (!a.ok || !b.ok) throw new Error('unexpected failure');
        expect(a.embedding).toBeInstanceOf(Float32Array);
        expect(Array.from(a.embedding)).toEqual(Array.from(b.embedding));
      }
      expect(remote[3]).toEqual(here[3]);
      expect(remote[3].ok === false && remote[3].error.code).toBe('image_corrupt');
      // The resize used for augmented copies comes from the same process.
      expect(Buffer.compare(await host.preprocess(path), await local.preprocess(path))).toBe(0);
    } finally {
      await local.close();
    }
  }, 60_000);

  it('reports a kill -9 of the process as a clear error, and the next request starts a new one', async () => {
    const pics = await Promise.all(Array.from({ length: 48 }, (_, i) => kindPicture('blue', 200 + i, 256)));
    await host.embed([pics[0]]);
    const first = host.pid!;
    const started = host.embed(pics);
    await new Promise((r) => setTimeout(r, 150));
    process.kill(first, 'SIGKILL');
    const err: unknown = await started.catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'unavailable',
      message: 'The inference process stopped unexpectedly (signal SIGKILL); the next request starts a new one.',
    });
    expect(host.pid).toBeNull();

    const again = await host.embed(pics.slice(0, 4));
    expect(again.every((r) => r.ok)).toBe(true);
    expect(host.pid).not.toBe(first);
    expect(host.pid).toBeGreaterThan(0);
    expect(host.report()?.provider).toBe('cpu');
  }, 60_000);

  it('answers a cancelled request at once, and the process goes on serving', async () => {
    const pics = await Promise.all(Array.from({ length: 64 }, (_, i) => kindPicture('red', 400 + i, 256)));
    await host.embed([pics[0]]);
    const pid = host.pid;
    const stop = new AbortController();
    const started = host.embed(pics, { signal: stop.signal });
    await new Promise((r) => setTimeout(r, 100));
    const at = Date.now();
    stop.abort();
    const err: unknown = await started.catch((e: unknown) => e);
    expect(Date.now() - at).toBeLessThan(50);
    expect(err).toMatchObject({ code: 'aborted' });
    const after = await host.embed(pics.slice(0, 2));
    expect(after.every((r) => r.ok)).toBe(true);
    expect(host.pid).toBe(pid);
  }, 60_000);

  it('gives onnxruntime the engine default thread count unless told otherwise', async () => {
    // The app once passed a fixed 2 whatever the machine: too few on eight cores, too many on one.
    const plain = new BackboneHost(findModelsDir(), undefined, spawn);
    try {
      await plain.embed([await kindPicture('red', 7, 64)]);
      expect(plain.report()?.threads).toBe(defaultThreads());
    } finally {
      await plain.close();
    }
    expect(host.report()?.threads).toBe(2);
  }, 60_000);
});
