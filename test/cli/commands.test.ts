import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kindPicture, writeKind } from '../services/vision-pictures';
import { ensureBuilt, loupe, serve } from './cli-harness';

// Every data command as a person runs it, on a real data folder with real pictures: first
// with no Loupe running (the command opens the folder itself), then beside a running
// `loupe serve` (the command goes through its API), with the bad input a person gives.
let dir: string;
let pics: string;
let fresh: string;

beforeAll(async () => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'loupe-cli-cmd-'));
  pics = join(dir, 'pictures');
  await writeKind(join(pics, 'red'), 'red', 6, 1);
  await writeKind(join(pics, 'blue'), 'blue', 6, 1);
  // Not a picture, among the good ones: the import reports it and keeps the rest.
  writeFileSync(join(pics, 'red', 'notes.png'), 'these are not pixels');
  fresh = join(dir, 'fresh');
  mkdirSync(fresh);
  writeFileSync(join(fresh, 'a-red.png'), await kindPicture('red', 90));
  writeFileSync(join(fresh, 'b-blue.png'), await kindPicture('blue', 91));
  writeFileSync(join(fresh, 'c-broken.png'), 'garbage, not a PNG');
  symlinkSync(join(dir, 'gone.png'), join(dir, 'dangling.png'));
  // A link to a picture inside a folder counts as the picture.
  symlinkSync(join(pics, 'red', 'red-1.png'), join(fresh, 'd-link.png'));
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('with no Loupe running: the command opens the data folder itself', () => {
  let data: string;
  let modelId: string;
  beforeAll(() => {
    data = join(dir, 'data-direct');
  });

  it('import: a missing folder is exit 3 with its name; a real one imports, listing what it could not read (exit 4)', async () => {
    const missing = await loupe(['import', join(dir, 'nowhere'), '--dataset', 'colours', '--data', data]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain(join(dir, 'nowhere'));
    expect(missing.stdout).toBe('');

    const r = await loupe(['import', pics, '--dataset', 'colours', '--data', data, '--json']);
    expect(r.code).toBe(4);
    const out = JSON.parse(r.stdout);
    expect(out.dataset).toMatchObject({ name: 'colours' });
    expect(out.import).toMatchObject({ state: 'succeeded', imported: 12, failed: [expect.objectContaining({ name: expect.stringContaining('notes.png') })] });
    expect(r.stderr).toMatch(/notes\.png/);
    // The folder is released: no server file is left behind.
    expect(existsSync(join(data, 'server.json'))).toBe(false);

    const again = await loupe(['import', pics, '--dataset', 'colours', '--data', data]);
    expect(again.stdout).toMatch(/^0 imported, 12 already there, 1 could not be read/);
  });

  it('datasets lists it, as a table and as JSON', async () => {
    const table = await loupe(['datasets', '--data', data]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^ID\s+NAME\s+PICTURES\s+CREATED\n1\s+colours\s+12\s/);
    const json = await loupe(['datasets', '--data', data, '--json']);
    expect(JSON.parse(json.stdout)).toEqual([expect.objectContaining({ id: '1', name: 'colours', imageCount: 12 })]);
  });

  it('train: an unknown dataset is exit 3; a real one trains (waiting: nothing else would) and names its model', async () => {
    const unknown = await loupe(['train', '--dataset', 'nope', '--data', data]);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toMatch(/no dataset named "nope"; there are "colours"/);

    const r = await loupe(['train', '--dataset', 'colours', '--data', data, '--json']);
    expect(r.code).toBe(0);
    const run = JSON.parse(r.stdout);
    expect(run).toMatchObject({ status: 'succeeded', modelId: expect.any(String) });
    expect(run.metrics.accuracy).toBeGreaterThanOrEqual(0.99);
    modelId = run.modelId;
    expect(r.stderr).toMatch(/^train: +\d+% /m);

    const models = await loupe(['models', '--dataset', 'colours', '--data', data]);
    expect(models.stdout).toMatch(new RegExp(`^ID.*\\n${modelId}\\s+colours v1\\s+colours\\s+blue,red\\s+100\\.0%`));
  }, 120_000);

  it('predict: classifies files and folders, reports the unreadable and the missing, and classifies the rest (exit 4)', async () => {
    const r = await loupe(['predict', '--dataset', 'colours', fresh, join(dir, 'missing.png'), join(dir, 'dangling.png'), '--data', data]);
    expect(r.code).toBe(4);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/a-red\.png\tred \d+\.\d%$/);
    expect(lines[1]).toMatch(/b-blue\.png\tblue \d+\.\d%$/);
    expect(lines[2]).toMatch(/d-link\.png\tred \d+\.\d%$/);
    expect(r.stderr).toMatch(/c-broken\.png: .*not an image format/);
    expect(r.stderr).toMatch(/missing\.png: no such file or folder/);
    expect(r.stderr).toMatch(/dangling\.png: no such file or folder/);
    expect(r.stderr).toMatch(/3 classified, 3 could not be read/);
    // Progress on stderr: plain lines when it is not a terminal.
    expect(r.stderr).toMatch(/^predict: 100% 4 of 4 pictures$/m);
  });

  it('predict --csv writes a new file, every cell quoted, and never replaces one (exit 5); --top K and --json', async () => {
    const csv = join(dir, 'out.csv');
    const r = await loupe([
      'predict',
      '--model',
      modelId,
      join(fresh, 'a-red.png'),
      join(fresh, 'c-broken.png'),
      '--top',
      '2',
      '--csv',
      csv,
      '--data',
      data,
      '--json',
    ]);
    expect(r.code).toBe(4);
    const json = JSON.parse(r.stdout);
    expect(json.results).toEqual([
      {
        file: join(fresh, 'a-red.png'),
        predictions: [
          { label: 'red', confidence: expect.any(Number) },
          { label: 'blue', confidence: expect.any(Number) },
        ],
      },
    ]);
    expect(json.errors).toEqual([{ file: join(fresh, 'c-broken.png'), message: expect.stringMatching(/not an image format/) }]);
    const rows = readFileSync(csv, 'utf8').trimEnd().split('\r\n');
    expect(rows[0]).toBe('"file","rank","label","confidence","error"');
    expect(rows[1]).toMatch(new RegExp(`^"${join(fresh, 'a-red.png')}","1","red","0\\.\\d+",""$`));
    expect(rows[2]).toMatch(/,"2","blue",/);
    expect(rows[3]).toMatch(/c-broken\.png","","","","The image is not an image format/);

    const before = readFileSync(csv, 'utf8');
    const again = await loupe(['predict', '--model', modelId, join(fresh, 'a-red.png'), '--csv', csv, '--data', data]);
    expect(again.code).toBe(5);
    expect(again.stderr).toMatch(/exists already/);
    expect(readFileSync(csv, 'utf8')).toBe(before);
  });

  it('predict and export: a model id that does not exist is exit 3 with a sentence', async () => {
    const p = await loupe(['predict', '--model', '4040', join(fresh, 'a-red.png'), '--data', data]);
    expect([p.code, p.stdout]).toEqual([3, '']);
    expect(p.stderr).toMatch(/no model 4040; `loupe models` lists them/);
    const e = await loupe(['export', '--model', '4040', '--out', join(dir, 'never.onnx'), '--data', data]);
    expect(e.code).toBe(3);
    expect(existsSync(join(dir, 'never.onnx'))).toBe(false);
  });

  it('export writes an ONNX file that onnxruntime opens (image in, probabilities out); an existing file is kept (exit 5)', async () => {
    const out = join(dir, 'colours.onnx');
    const r = await loupe(['export', '--model', modelId, '--out', out, '--data', data]);
    expect(r.code).toBe(0);
    const session = await ort.InferenceSession.create(readFileSync(out));
    expect(session.inputNames).toEqual(['image']);
    expect(session.outputNames).toEqual(['probabilities']);
    await session.release();
    const size = readFileSync(out).length;
    const again = await loupe(['export', '--model', modelId, '--out', out, '--data', data]);
    expect(again.code).toBe(5);
    expect(readFileSync(out).length).toBe(size);
  });

  it('tasks lists the import and the training; a bad --state is exit 2', async () => {
    const r = await loupe(['tasks', '--state', 'succeeded', '--data', data, '--json']);
    expect(r.code).toBe(0);
    // The pipeline's own embed tasks are listed too; the ones the person started are these.
    const kinds = JSON.parse(r.stdout).map((t: { kind: string }) => t.kind) as string[];
    expect(kinds.filter((k) => k !== 'embed').sort()).toEqual(['import', 'import', 'train']);
    const bad = await loupe(['tasks', '--state', 'sleeping', '--data', data]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--state must be one of queued, running/);
  });

  it('a stale server file (its process is gone) is ignored', async () => {
    writeFileSync(join(data, 'server.json'), JSON.stringify({ pid: 2 ** 22 + 17, port: 1, url: 'http://127.0.0.1:1' }));
    const r = await loupe(['datasets', '--data', data, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveLength(1);
  });
});

describe('beside a running loupe serve: the command goes through its API', () => {
  it('imports, trains without waiting, lists, predicts and exports through the server, which sees it all at once', async () => {
    const data = join(dir, 'data-served');
    const server = await serve(data);
    try {
      expect(JSON.parse(readFileSync(join(data, 'server.json'), 'utf8'))).toEqual({ pid: server.child.pid, port: expect.any(Number), url: server.url });
      const token = readFileSync(join(data, 'token'), 'utf8').trim();
      const api = async (path: string) => (await fetch(server.url + path, { headers: { authorization: `Bearer ${token}` } })).json();

      const imported = await loupe(['import', pics, '--dataset', 'served', '--data', data]);
      expect(imported.code).toBe(4);
      expect((await api('/v1/datasets')).items).toEqual([expect.objectContaining({ name: 'served', imageCount: 12 })]);

      // Without --wait the server trains; the command returns with the run.
      const started = await loupe(['train', '--dataset', 'served', '--data', data, '--json']);
      expect(started.code).toBe(0);
      const run = JSON.parse(started.stdout);
      expect(['queued', 'running', 'succeeded']).toContain(run.status);
      const waited = await loupe(['train', '--dataset', 'served', '--wait', '--data', data, '--json']);
      expect(waited.code).toBe(0);
      const modelId = JSON.parse(waited.stdout).modelId as string;
      expect((await api(`/v1/models/${modelId}`)).id).toBe(modelId);

      const predicted = await loupe(['predict', '--model', modelId, fresh, '--data', data]);
      expect(predicted.code).toBe(4);
      expect(predicted.stdout).toMatch(/a-red\.png\tred/);
      expect(predicted.stdout).toMatch(/b-blue\.png\tblue/);
      expect(predicted.stderr).toMatch(/c-broken\.png/);

      const missing = await loupe(['predict', '--model', '4040', fresh, '--data', data]);
      expect(missing.code).toBe(3);
      const exported = await loupe(['export', '--model', modelId, '--out', join(dir, 'served.onnx'), '--data', data]);
      expect(exported.code).toBe(0);

      const tasks = await loupe(['tasks', '--data', data, '--json']);
      expect(JSON.parse(tasks.stdout).length).toBe((await api('/v1/tasks')).items.length);
    } finally {
      expect(await server.stop()).toBe(0);
    }
    // The server took its file with it.
    expect(existsSync(join(data, 'server.json'))).toBe(false);
  }, 180_000);

  it('a Loupe that holds the folder with its local API off is named, and nothing is opened (exit 6)', async () => {
    const data = join(dir, 'data-held');
    mkdirSync(data, { recursive: true });
    // This test process is alive: it stands for a desktop app whose API is switched off.
    writeFileSync(join(data, 'server.json'), JSON.stringify({ pid: process.pid, port: null, url: null }));
    const r = await loupe(['datasets', '--data', data]);
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/local API is off\. Turn it on in Settings → Local API/);
    expect(existsSync(join(data, 'loupe.db'))).toBe(false);
  });
});

describe('help and usage', () => {
  it.each(['import', 'train', 'predict', 'export', 'datasets', 'models', 'tasks', 'serve'])('loupe %s --help shows its usage and flags', async (command) => {
    const r = await loupe([command, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Usage: loupe ${command}`));
    expect(r.stdout).toContain('--data');
  });

  it('bad flags are exit 2 with a sentence', async () => {
    expect((await loupe(['predict', fresh])).code).toBe(2);
    expect((await loupe(['predict', '--model', '1', '--dataset', 'x', fresh])).stderr).toMatch(/either --model ID or --dataset NAME/);
    expect((await loupe(['predict', '--model', '1', '--top', 'many', fresh])).code).toBe(2);
    expect((await loupe(['import', pics])).stderr).toMatch(/--dataset NAME/);
    expect((await loupe(['datasets', '--colour'])).code).toBe(2);
  });
});
