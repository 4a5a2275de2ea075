// The fair activation rule over the real HTTP API, with the real backbone, real training and
// real Fashion-MNIST pictures (pullover, coat, shirt: classes a small model confuses). After a
// person accepts the active model's guesses in bulk (POST …/accept), those pictures agree with
// that model by construction; a retrain is judged on the held-out pictures labelled otherwise.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type LoupeApp } from '../../src/main/app';
import { isHeldOut } from '../../src/main/services/vision/held-out';
import { waitFor } from '../services/vision-pictures';
import { call, multipart } from './client';
import { fmnistPictures, type FmnistPicture } from './fmnist-pictures';
import { fmnistAvailable } from '../vision/fixtures-fmnist';

let dir: string;
let app: LoupeApp;
let base: string;
let token: string;
let datasetId: string;
const CLASSES = [2, 4, 6];
const NAMES = ['pullover', 'coat', 'shirt'];
let byClass: Map<string, FmnistPicture[]>;

type Activation = {
  activated: boolean;
  reason: string;
  comparedWith: { modelId: string; accuracy: number; newAccuracy: number; pictures: number; leftOut: number; fallback: boolean } | null;
};
type Item = { id: string; hash: string; label: string | null; prediction: { label: string; modelId: string } | null };

const json = (value: unknown) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) });
const get = (path: string) => call(base, 'GET', path, { token });
const send = (method: string, path: string, body?: unknown) => call(base, method, path, { token, ...(body === undefined ? {} : json(body)) });

/** Pictures [from, to) of each class, uploaded with their true label (a person's) or none. */
async function upload(from: number, to: number, labelled: boolean): Promise<void> {
  for (const name of NAMES) {
    const pics = byClass.get(name)!.slice(from, to);
    const form = multipart(
      pics.map((p) => ({ name: `${p.name}-${p.index}.png`, bytes: p.bytes })),
      labelled ? { label: name } : {},
    );
    const r = await call(base, 'POST', `/v1/datasets/${datasetId}/images`, { token, headers: { 'content-type': form.contentType }, body: form.body });
    expect(r.status).toBe(201);
  }
}

async function images(query: string): Promise<Item[]> {
  const r = await get(`/v1/datasets/${datasetId}/images?limit=500&${query}`);
  expect(r.status).toBe(200);
  return r.json.items as Item[];
}

async function train(): Promise<{ modelId: string; activation: Activation; metrics: { accuracy: number } }> {
  const start = await send('POST', `/v1/datasets/${datasetId}/train?force=true`, {});
  expect(start.status, start.text).toBe(202);
  const run = await waitFor(
    async () => {
      const r = await get(`/v1/runs/${start.json.runId}`);
      return r.json.status === 'queued' || r.json.status === 'running' ? undefined : r.json;
    },
    'run',
    240_000,
  );
  expect(run.status).toBe('succeeded');
  return run;
}

/** Accepts the active model's guess on every unlabelled picture, as Select all N + Enter does. */
async function acceptAllGuesses(modelId: string): Promise<number> {
  const unlabelled = await waitFor(
    async () => {
      const items = await images('unlabelled=true');
      return items.every((i) => i.prediction?.modelId === modelId) ? items : undefined;
    },
    'every unlabelled picture predicted',
    240_000,
  );
  const r = await send('POST', `/v1/datasets/${datasetId}/accept`, { items: unlabelled.map((i) => ({ id: i.id, label: i.prediction!.label })) });
  expect(r.status, r.text).toBe(200);
  return unlabelled.length;
}

describe.skipIf(!fmnistAvailable())('activation after bulk-accepted guesses', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'loupe-activation-'));
    app = await createApp({ dataDir: join(dir, 'data'), shell: 'headless', log: () => {}, vision: { autoTrain: false } });
    base = (await app.listen({ port: 0 })).url;
    token = app.token;
    datasetId = (await send('POST', '/v1/datasets', { name: 'tops' })).json.id;
    const all = await fmnistPictures(CLASSES, 170);
    byClass = new Map(NAMES.map((n) => [n, all.filter((p) => p.name === n)]));
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  let v1: string;
  let v2: string;

  it('makes a retrained model that is better on independently labelled pictures active, though the old one is right on its accepted guesses', async () => {
    await upload(0, 15, true);
    const first = await train();
    expect(first.activation).toEqual({ activated: true, reason: 'first', comparedWith: null });
    v1 = first.modelId;

    // 100 unlabelled per class, whose guesses the person accepts wholesale, and 30 per class labelled by hand.
    await upload(15, 115, false);
    await upload(115, 145, true);
    const accepted = await acceptAllGuesses(v1);
    expect(accepted).toBe(300);

    const second = await train();
    v2 = second.modelId;
    const c = second.activation.comparedWith!;
    expect(c.modelId).toBe(v1);
    const heldOut = (await images('')).filter((i) => i.label !== null && isHeldOut(i.hash));
    expect(c.fallback).toBe(false);
    expect(c.leftOut).toBeGreaterThan(20);
    expect(c.pictures + c.leftOut).toBe(heldOut.length);
    // On the pictures labelled independently, the new model is better, so it becomes active…
    expect(second.activation).toMatchObject({ activated: true, reason: 'at-least-as-good' });
    expect(c.newAccuracy).toBeGreaterThanOrEqual(c.accuracy);
    expect((await get(`/v1/datasets/${datasetId}`)).json.activeModelId).toBe(v2);
    // …whereas on every held-out picture v1 is right on each accepted guess by construction,
    // which lifts its score: the rule before this one counted those and so favoured v1. Only
    // the lift is asserted. Whether v2 still trails the lifted score varies with training: a
    // tie came up in one CI run, and v2 ahead (0.824 against 0.813) in another, under load.
    const v1OnAll = (c.accuracy * c.pictures + c.leftOut) / (c.pictures + c.leftOut);
    expect(v1OnAll).toBeGreaterThan(c.accuracy);

    // The compare view scores both on the same independent pictures and says how many were left out.
    const cmp = await get(`/v1/model-comparison?a=${v1}&b=${v2}`);
    expect(cmp.status).toBe(200);
    expect(cmp.json).toMatchObject({ pictures: c.pictures, leftOut: c.leftOut, fallback: false });
    expect(cmp.json.a.score.pictures).toBe(c.pictures);
    expect(cmp.json.b.score.accuracy).toBeCloseTo(c.newAccuracy, 10);
  }, 600_000);

  it('records on each accepted label the model whose guess it was, and undo and redo keep it', async () => {
    const provenance = () => new Map(app.services.store.images.ofDataset(datasetId, 'labelled').map((i) => [i.id, i.acceptedFrom]));
    const before = provenance();
    const fromV1 = [...before].filter(([, m]) => m === v1).map(([id]) => id);
    expect(fromV1).toHaveLength(300);
    // Labelled by hand: no model's guess.
    expect([...before.values()].filter((m) => m === null)).toHaveLength(45 + 90);
    // A person relabels one accepted picture: it is their label now; undo gives the guess back.
    const [one] = fromV1;
    const label = (await images('')).find((i) => i.id === one)!.label;
    const other = NAMES.find((n) => n !== label)!;
    expect((await send('PATCH', `/v1/images/${one}`, { label: other })).status).toBe(200);
    expect(provenance().get(one)).toBeNull();
    expect((await send('POST', `/v1/datasets/${datasetId}/undo`)).status).toBe(200);
    expect(provenance().get(one)).toBe(v1);
    expect((await send('POST', `/v1/datasets/${datasetId}/redo`)).status).toBe(200);
    expect(provenance().get(one)).toBeNull();
    expect((await send('POST', `/v1/datasets/${datasetId}/undo`)).status).toBe(200);
    expect(provenance()).toEqual(before);
  }, 60_000);

  it('keeps the active model when a retrain is worse on independently labelled pictures', async () => {
    // More guesses accepted, now the active model's (v2's); then every training picture a person
    // labelled gets a wrong label (held-out ones untouched): the next model learns nonsense.
    await upload(145, 170, false);
    await acceptAllGuesses(v2);
    const mine = (await images('')).filter((i) => i.label !== null && !isHeldOut(i.hash));
    const wrong = (l: string) => NAMES[(NAMES.indexOf(l) + 1) % NAMES.length];
    for (const name of NAMES) {
      const ids = mine.filter((i) => i.label === name).map((i) => i.id);
      app.services.library.setLabel(ids, wrong(name));
    }
    const third = await train();
    for (const name of NAMES) {
      const ids = mine.filter((i) => i.label === name).map((i) => i.id);
      app.services.library.setLabel(ids, name);
    }
    expect(third.activation).toMatchObject({ activated: false, reason: 'worse', comparedWith: { modelId: v2, fallback: false } });
    expect(third.activation.comparedWith!.leftOut).toBeGreaterThan(0);
    expect(third.activation.comparedWith!.newAccuracy).toBeLessThan(third.activation.comparedWith!.accuracy);
    expect((await get(`/v1/datasets/${datasetId}`)).json.activeModelId).toBe(v2);
  }, 600_000);
});
