import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type LoupeApp } from '../../src/main/app';
import { createLoupeModule } from '../../src/main/services/scripts/index';
import { runScript } from '../../src/main/services/scripts/script-runner';
import { LOUPE_MODULE_MEMBERS } from '../../src/shared/contract/index';
import { call } from '../api/client';
import { waitFor } from './vision-pictures';

let dir: string;
let app: LoupeApp;
let base: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-scripts-'));
  app = await createApp({ dataDir: join(dir, 'data'), shell: 'headless', log: () => {}, vision: { autoTrain: false } });
  base = (await app.listen({ port: 0 })).url;
});
afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

const ok = async (method: string, params: unknown) => {
  const r = await app.dispatcher.call(method, params);
  if (!r.ok) throw new Error(`${method}: ${r.error.code} ${r.error.message}`);
  return r.value as any;
};
const json = (value: unknown) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(value), token: app.token });

function outputOf(runId: string): { text: () => string; finished: () => any; off: () => void } {
  let text = '';
  let finished: unknown;
  const off = app.bus.subscribe((event, payload) => {
    const p = payload as { runId: string; text?: string };
    if (p.runId !== runId) return;
    if (event === 'script.output') text += p.text;
    if (event === 'script.finished') finished = payload;
  });
  return { text: () => text, finished: () => finished, off };
}

describe('running scripts in a worker', () => {
  it('streams prints and returns the value of the last expression', async () => {
    const chunks: string[] = [];
    const r = await runScript({ source: 'for i in range(3) { print("line", i) }\nlet m = {"sum": 1 + 2}\nm', onOutput: (t) => chunks.push(t) });
    expect(r).toEqual({ ok: true, output: 'line 0\nline 1\nline 2\n', value: { sum: 3 } });
    expect(chunks.join('')).toBe('line 0\nline 1\nline 2\n');
  });

  it('ends an infinite loop by its time limit while the app keeps answering HTTP', async () => {
    // The loop body allocates, so even a fast idle machine stays far below the 2·10⁹ instruction budget in 3 s.
    const running = call(base, 'POST', '/v1/scripts/run', json({ source: 'let i = 0\nwhile true { i = len(str(i)) + i }', timeoutMs: 3000 }));
    // The main thread is free: health answers while the script spins.
    await new Promise((r) => setTimeout(r, 500));
    const health = await call(base, 'GET', '/v1/health');
    expect(health.status).toBe(200);
    const r = await running;
    expect(r.status).toBe(422);
    expect(r.json.error).toMatchObject({ code: 'script_error', message: 'Time limit exceeded.', line: 2 });
  });

  it('keeps loupe.log lines in order with prints', async () => {
    const r = await app.services.scripts.runNow('import "loupe" as loupe\nprint("one")\nloupe.log("two")\nprint("three")', 10_000);
    expect(r).toMatchObject({ ok: true, output: 'one\ntwo\nthree\n' });
  });

  it('offers the editor exactly the members the loupe module has', async () => {
    const host = createLoupeModule(
      { library: app.services.library, tasks: app.services.tasks, vision: app.services.vision, folders: app.services.scripts.folders },
      { log: () => {}, progress: () => {} },
    );
    expect(Object.keys(host).sort()).toEqual(LOUPE_MODULE_MEMBERS.map((m) => m.name).sort());
  });

  it('ends a script that eats memory with a script error, not a crash', async () => {
    const r = await runScript({ source: 'let s = "x"\nlet parts = []\nwhile true { s = s + s\npush(parts, s) }', timeoutMs: 30_000 });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.message).toBe('Memory limit exceeded.');
    // The app goes on running scripts afterwards.
    expect(await runScript({ source: '1 + 1' })).toMatchObject({ ok: true, value: 2 });
  });

  it('gives the worker stack for the full call depth of 10,000', async () => {
    const deep = await runScript({ source: 'fn f(n) { if n == 0 { return 0 }\nreturn 1 + f(n - 1) }\nf(9999)' });
    expect(deep).toMatchObject({ ok: true, value: 9999 });
    const runaway = await runScript({ source: 'fn f(n) { return 1 + f(n + 1) }\nf(0)' });
    expect(runaway).toMatchObject({ ok: false, error: { message: 'Stack overflow.', line: 1, column: 23 } });
  });

  it('ends runaway work by its instruction budget', async () => {
    const r = await runScript({ source: 'fn f() { while true {} }\nf()', budget: 1_000_000 });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.message).toBe('Instruction budget exceeded.');
  });

  it('stops a running script task from the Scripts page', async () => {
    const { runId } = await ok('scripts.run', { source: 'print("started")\nlet n = 0\nwhile true { n += 1 }' });
    const out = outputOf(runId);
    await waitFor(() => (app.services.tasks.get(runId).state === 'running' ? true : undefined), 'the script to start');
    await waitFor(() => (out.text().includes('started') ? true : undefined), 'its first line');
    const before = app.services.tasks.get(runId);
    expect(before.state, JSON.stringify(before)).toBe('running');
    expect(await ok('scripts.stop', { runId })).toEqual({ stopped: true });
    const task = await waitFor(() => {
      const t = app.services.tasks.get(runId);
      return t.state === 'running' || t.state === 'queued' ? undefined : t;
    }, 'the task to stop');
    expect(task.state).toBe('cancelled');
    await waitFor(() => out.finished(), 'the finished event');
    expect(out.finished()).toMatchObject({ ok: false, error: { message: 'Cancelled.' } });
    out.off();
  });

  it('answers POST /v1/scripts/run with output and value, or 422 with the position', async () => {
    const good = await call(base, 'POST', '/v1/scripts/run', json({ source: 'print("hi")\n[1, 2]' }));
    expect(good.status).toBe(200);
    expect(good.json).toEqual({ output: 'hi\n', value: [1, 2] });
    const bad = await call(base, 'POST', '/v1/scripts/run', json({ source: 'print("a")\nlet x = nope' }));
    expect(bad.status).toBe(422);
    expect(bad.json.error).toMatchObject({ code: 'script_error', message: "Undefined variable 'nope'.", line: 2, column: 9 });
    const thrown = await call(base, 'POST', '/v1/scripts/run', json({ source: 'print("a")\nthrow "bad"' }));
    expect(thrown.status).toBe(422);
    expect(thrown.json.error).toMatchObject({ code: 'script_error', message: 'bad', line: 2, column: 1 });
  });

  it('reports diagnostics and formats through the contract', async () => {
    const { diagnostics } = await ok('scripts.check', { source: 'let a = 1\nprint(b)\nlet c = (' });
    expect(diagnostics.map((d: { line: number }) => d.line)).toEqual(expect.arrayContaining([2, 3]));
    expect(await ok('scripts.format', { source: 'let a=1+2' })).toEqual({ source: 'let a = 1 + 2\n' });
  });
});

describe('granted folders', () => {
  it('lets a script list, copy and move files only inside a granted folder', async () => {
    const granted = join(dir, 'granted');
    const outside = join(dir, 'outside');
    mkdirSync(granted);
    mkdirSync(outside);
    writeFileSync(join(granted, 'a.jpg'), 'a');
    writeFileSync(join(granted, 'b.txt'), 'b');
    writeFileSync(join(outside, 'secret.jpg'), 's');
    // A link inside the granted folder that leads outside it is still outside.
    symlinkSync(outside, join(granted, 'escape'));
    await ok('scripts.folders.grant', { path: granted });

    const src = (body: string) => `import "loupe" as loupe\n${body}`;
    const listed = await app.services.scripts.runNow(src(`loupe.files("${granted}", "*.jpg")`), 10_000);
    expect(listed).toMatchObject({ ok: true, value: [join(granted, 'a.jpg')] });

    const moved = await app.services.scripts.runNow(src(`loupe.move("${granted}/a.jpg", "${granted}/sorted")`), 10_000);
    expect(moved).toMatchObject({ ok: true, value: join(granted, 'sorted', 'a.jpg') });
    expect(existsSync(join(granted, 'sorted', 'a.jpg'))).toBe(true);

    for (const body of [`loupe.files("${outside}")`, `loupe.copy("${granted}/b.txt", "${outside}")`, `loupe.files("${granted}/escape")`]) {
      const r = await app.services.scripts.runNow(src(body), 10_000);
      expect(r.ok).toBe(false);
      expect(!r.ok && r.error.message).toMatch(/is outside the folders scripts may use.*Settings → Granted folders/);
    }
    expect(existsSync(join(outside, 'b.txt'))).toBe(false);

    // The error is an ordinary script error: a script can catch it and go on.
    const caught = await app.services.scripts.runNow(src(`try { loupe.files("${outside}") } catch e { print("refused") }\n1`), 10_000);
    expect(caught).toMatchObject({ ok: true, output: 'refused\n', value: 1 });

    await ok('scripts.folders.revoke', { path: granted });
    const revoked = await app.services.scripts.runNow(src(`loupe.files("${granted}")`), 10_000);
    expect(revoked.ok).toBe(false);
  });

  it('saves, renames and deletes scripts', async () => {
    const s = await ok('scripts.save', { name: 'First', source: 'print(1)' });
    const renamed = await ok('scripts.save', { id: s.id, name: 'Renamed' });
    expect(renamed).toMatchObject({ id: s.id, name: 'Renamed', source: 'print(1)', schedule: null });
    expect((await ok('scripts.list', {})).items.map((x: { name: string }) => x.name)).toContain('Renamed');
    const bad = await app.dispatcher.call('scripts.schedule.set', { id: s.id, cron: 'every hour', enabled: true });
    expect(bad.ok).toBe(false);
    expect(await ok('scripts.delete', { id: s.id })).toEqual({ deleted: true });
  });
});
