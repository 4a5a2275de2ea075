// `npm run build && npx tsx bench/vision/labelling-effort.ts`: how many key presses and clicks
// labelling 1,000 pictures costs with predictions (a), against without predictions (b)
// (issue #14, "Done when"; aim: ratio ≤ 0.35). Results: bench/vision/RESULTS-labelling.md.
//
// Everything real, through a real `loupe serve` (the built CLI) and its HTTP API: 600 labelled
// (60 per class) and 1,000 unlabelled Fashion-MNIST TRAIN pictures (seed-6 shuffle) uploaded
// as PNGs, embedded by the app's backbone, a head trained by the app (POST …/train), the
// app's own predictions read back through the grid's filters (GET …/images?unlabelled=true&
// predicted=…&minConfidence=…), accepted through POST …/accept, the rest walked through the
// review queue (GET …/review, paged with offset). The app retrains after edits; here each
// round's retrain is started explicitly (auto-train off) so the run is repeatable. Each
// strategy gets its own dataset (embeddings are cached by content, so only the first embeds).
//
// The person, with the UI as it is (src/renderer/library/FilterBar.tsx, grid keys, review
// keys), one action per key press or click:
// (a) click "Unlabelled" in the sidebar (1); per round, set the lowest confidence (click the
//     field, Ctrl+A, type the number); per label, pick it in the Guess select (2 clicks: open,
//     option); if anything matches: one PageDown per further screenful of SCREEN pictures to
//     look at every thumbnail; then either 'skip': "Select all N" (1), a Ctrl+click on each
//     picture whose guess is wrong to leave it out (1 each), Enter (1); or 'fix': per true label
//     among the wrong guesses, a Ctrl+click on each of them and its digit (the tenth label: a
//     right-click and the menu item), which labels them and takes them out of the view, then
//     "Select all N" and Enter for the right ones left. Wrong guesses never get accepted: the
//     person is assumed to spot every one on the page (slips are not modelled).
//     Then the app retrains and the next round (a lower threshold) sees the new guesses. Last,
//     review mode for every picture still unlabelled: Review (1), per picture Enter when the
//     guess is right, else its digit (the tenth label has no digit: one click on its button), and
//     Esc (1). Every one of the 1,000 ends with its true label (checked at the end).
// (b) no predictions: review mode, one digit (or the tenth label's click) per picture, + Review
//     and Esc; and the grid as it is (digit, then → to the next picture).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import sharp from 'sharp';
import { FASHION_LABELS, readIdxImages, readIdxLabels, shuffledIndices } from './fashion-mnist';
import { http, machine, multipartBody, startServer, waitRun, waitTask, type Server } from './app-server';

const PER_CLASS = 60;
const UNLABELLED = 1000;
/** Thumbnails on one screen of the grid at the smallest size in a 1280×860 window (9 columns × 5 rows). */
const SCREEN = 45;
const PAGE = 500;
const REVIEW_PAGE = 200;
const RESULTS = 'bench/vision/RESULTS-labelling.md';
/** Label names as a folder would give them (no slash); created in this order, so 'Ankle boot' is the tenth (no digit). */
const NAMES = FASHION_LABELS.map((l) => l.replace(/\//g, '-'));

/**
 * The strategies tried: the lowest confidence of each filter round (0: no lower bound, the
 * field cleared), a retrain between rounds; and what the person does with a wrong guess on
 * the page: 'skip' (Ctrl+click to leave it out; review mode labels it later) or 'fix' (Ctrl+click
 * the wrong ones of one true label, press its digit: they are labelled and leave the view).
 */
type Fix = 'skip' | 'fix';
const STRATEGIES: Array<{ thresholds: number[]; fix: Fix }> = [
  { thresholds: [0.9], fix: 'skip' },
  { thresholds: [0.7], fix: 'skip' },
  { thresholds: [0.9, 0.7], fix: 'skip' },
  { thresholds: [0], fix: 'fix' },
  { thresholds: [0.9, 0], fix: 'fix' },
  { thresholds: [0.95, 0.8, 0], fix: 'fix' },
];
/** The tenth label has no digit: right-click a selected picture and pick the label in the menu. */
const TENTH = NAMES.length - 1;

interface Picture {
  name: string;
  truth: number;
  bytes: Buffer;
}

interface Item {
  id: string;
  fileName: string;
  label: string | null;
  prediction: { label: string; confidence: number; modelId: string } | null;
}

async function pictures(): Promise<{ labelled: Picture[]; unlabelled: Picture[] }> {
  const imgs = readIdxImages('train');
  const truthAll = readIdxLabels('train');
  const px = imgs.rows * imgs.cols;
  const seen = new Array<number>(10).fill(0);
  const labelled: number[] = [];
  const rest: number[] = [];
  for (const i of shuffledIndices(60_000, 6)) {
    if (seen[truthAll[i]] < PER_CLASS) {
      seen[truthAll[i]]++;
      labelled.push(i);
    } else if (rest.length < UNLABELLED) rest.push(i);
    if (labelled.length === PER_CLASS * 10 && rest.length === UNLABELLED) break;
  }
  const png = (i: number) =>
    sharp(Buffer.from(imgs.pixels.subarray(i * px, (i + 1) * px)), { raw: { width: imgs.cols, height: imgs.rows, channels: 1 } })
      .png()
      .toBuffer();
  // File names say nothing of the class: a person cannot label by name.
  const make = async (idx: number[], prefix: string) =>
    Promise.all(idx.map(async (i, k) => ({ name: `${prefix}-${String(k).padStart(4, '0')}.png`, truth: truthAll[i], bytes: await png(i) })));
  return { labelled: await make(labelled, 'train'), unlabelled: await make(rest, 'new') };
}

function form(files: Picture[], labels: Array<string | null>): { body: Buffer; type: string } {
  return multipartBody(files, { labels: JSON.stringify(labels) });
}

async function ok(s: Server, method: string, path: string, body?: unknown): Promise<any> {
  const r = await http(s, method, path, body === undefined ? undefined : JSON.stringify(body));
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}

/** Every page of a list (the grid loads them all before "Select all N" acts). */
async function all(s: Server, path: string): Promise<{ items: Item[]; total: number }> {
  const items: Item[] = [];
  let cursor: string | null = null;
  let total = -1;
  do {
    const page: { items: Item[]; nextCursor: string | null; total?: number } = await ok(
      s,
      'GET',
      `${path}&limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    if (page.total !== undefined) total = page.total;
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  if (total !== items.length) throw new Error(`total ${total} but ${items.length} listed for ${path}`);
  return { items, total };
}

/** Trains (as the app's retrain after edits does) and waits until every picture carries the active model's guess. */
async function retrain(s: Server, ds: string, pictures: number): Promise<Retrained> {
  const started = await ok(s, 'POST', `/v1/datasets/${ds}/train?force=true`, {});
  const run = await waitRun(s, started.runId);
  if (run.status !== 'succeeded') throw new Error(`training ended ${run.status}: ${JSON.stringify(run.error ?? run)}`);
  for (let t0 = Date.now(); Date.now() - t0 < 600_000;) {
    const active = (await ok(s, 'GET', `/v1/datasets/${ds}`)).activeModelId as string | null;
    const { items } = await all(s, `/v1/datasets/${ds}/images?sort=added`);
    if (active && items.length === pictures && items.every((i) => i.prediction?.modelId === active))
      return {
        modelId: active,
        accuracy: run.metrics?.accuracy ?? null,
        active: active === String(run.modelId),
        compared: run.activation?.comparedWith ?? null,
      };
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('predictions did not arrive within 10 minutes');
}

async function newDataset(s: Server, name: string, set: { labelled: Picture[]; unlabelled: Picture[] }): Promise<{ ds: string; ids: Map<string, number> }> {
  const ds = (await ok(s, 'POST', '/v1/datasets', { name })).id as string;
  for (const l of NAMES) await ok(s, 'POST', `/v1/datasets/${ds}/labels`, { name: l });
  const ids = new Map<string, number>();
  const upload = async (files: Picture[], labelled: boolean) => {
    for (let i = 0; i < files.length; i += 100) {
      const part = files.slice(i, i + 100);
      const f = form(
        part,
        part.map((p) => (labelled ? NAMES[p.truth] : null)),
      );
      const r = await http(s, 'POST', `/v1/datasets/${ds}/images`, f.body, f.type);
      if (r.status !== 201) throw new Error(`upload: ${r.status} ${JSON.stringify(r.json)}`);
      (r.json.items as Array<{ id: string; name: string }>).forEach((it, k) => ids.set(it.id, part[k].truth));
    }
  };
  await upload(set.labelled, true);
  await upload(set.unlabelled, false);
  const task = await ok(s, 'POST', '/v1/tasks', { kind: 'embed', input: { datasetId: ds }, timeoutMs: 3_600_000 });
  const t = await waitTask(s, task.id);
  if (t.state !== 'succeeded') throw new Error(`embedding ended ${t.state}: ${JSON.stringify(t.error)}`);
  // The pipeline's own embed tasks (queued by the uploads) may still hold pictures: train only when none is left.
  for (;;) {
    const busy = await Promise.all(
      ['queued', 'running'].map(async (state) => (await ok(s, 'GET', `/v1/tasks?kind=embed&state=${state}&limit=1`)).items.length),
    );
    if (busy.every((n) => n === 0)) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  return { ds, ids };
}

interface Retrained {
  modelId: string;
  accuracy: number | null;
  active: boolean;
  /**
   * The comparison with the model it had to beat, when there was one: both scores on the same
   * held-out pictures, less those whose label was accepted from that model's guesses (`leftOut`;
   * `fallback`: too few remained, so all were used).
   */
  compared: { accuracy: number; newAccuracy?: number; pictures?: number; leftOut?: number; fallback?: boolean } | null;
}

const pct = (x: number | null) => (x === null ? '?' : `${(x * 100).toFixed(1)} %`);
/**
 * A retrain's held-out accuracy, and whether the app made it the active model (it must score at
 * least as well as the active one on the same held-out pictures, accepted guesses of the active
 * one left out), with both scores and on how many pictures.
 */
const describe = (m: Retrained) => {
  const c = m.compared;
  if (!c) return pct(m.accuracy);
  const on =
    c.pictures === undefined
      ? `the active one scored ${pct(c.accuracy)} there`
      : `${pct(c.newAccuracy ?? null)} against ${pct(c.accuracy)} on ${c.pictures} held-out pictures${c.fallback ? `, all of them: too few left without the ${c.leftOut} accepted guesses` : c.leftOut ? `, ${c.leftOut} accepted guesses left out` : ''}`;
  return `${pct(m.accuracy)} (${m.active ? 'made active' : 'not made active'}: ${on})`;
};

interface Outcome {
  thresholds: number[];
  fix: Fix;
  fixed: number;
  actions: number;
  filterActions: number;
  deselected: number;
  accepted: number;
  reviewed: number;
  reviewRight: number;
  accuracies: string[];
}

async function strategy(s: Server, set: { labelled: Picture[]; unlabelled: Picture[] }, thresholds: number[], fix: Fix): Promise<Outcome> {
  const { ds, ids } = await newDataset(s, `effort ${fix} ${thresholds.join('/')}`, set);
  const truthOf = (id: string) => NAMES[ids.get(id)!];
  const N = set.labelled.length + set.unlabelled.length;
  const accuracies: string[] = [];
  let actions = 1; // click "Unlabelled"
  let deselected = 0;
  let accepted = 0;
  let fixed = 0;
  for (const [round, t] of thresholds.entries()) {
    const model = await retrain(s, ds, N);
    accuracies.push(describe(model));
    if (t > 0)
      actions += 1 + (round > 0 ? 1 : 0) + String(t).length; // click the field, Ctrl+A (not the first time), type "0.9"
    else if (round > 0) actions += 3; // click the field, Ctrl+A, Backspace
    for (const label of NAMES) {
      actions += 2; // open the Guess select, click the label
      const { items, total } = await all(
        s,
        `/v1/datasets/${ds}/images?unlabelled=true&predicted=${encodeURIComponent(label)}${t > 0 ? `&minConfidence=${t}` : ''}`,
      );
      if (total === 0) continue;
      const right = items.filter((i) => truthOf(i.id) === label);
      const wrong = items.filter((i) => truthOf(i.id) !== label);
      actions += Math.ceil(total / SCREEN) - 1; // PageDown to see every thumbnail
      if (fix === 'skip') {
        actions += 1 + wrong.length + 1; // Select all N, Ctrl+click each wrong one, Enter
        deselected += wrong.length;
      } else if (wrong.length > 0) {
        // One true label at a time: Ctrl+click its pictures, then its digit (the tenth: right-click + menu item).
        const groups = new Map<string, string[]>();
        for (const w of wrong) groups.set(truthOf(w.id), [...(groups.get(truthOf(w.id)) ?? []), w.id]);
        for (const [truth, group] of groups) actions += group.length + (NAMES.indexOf(truth) === TENTH ? 2 : 1);
        // The digit is images.setLabel (the REST route labels one picture per call; accept sets the same labels in one).
        await ok(s, 'POST', `/v1/datasets/${ds}/accept`, { items: wrong.map((w) => ({ id: w.id, label: truthOf(w.id) })) });
        fixed += wrong.length;
      }
      if (fix === 'fix' && right.length > 0) actions += 2; // Select all N (what is left: the right guesses), Enter
      if (right.length > 0) {
        await ok(s, 'POST', `/v1/datasets/${ds}/accept`, { items: right.map((i) => ({ id: i.id, label: i.prediction!.label })) });
        accepted += right.length;
      }
    }
  }
  const filterActions = actions;
  // Review mode for the rest, with the guesses of a model retrained on everything accepted.
  const left = (await all(s, `/v1/datasets/${ds}/images?unlabelled=true`)).total;
  let reviewed = 0;
  let reviewRight = 0;
  if (left > 0) {
    accuracies.push(describe(await retrain(s, ds, N)));
    actions += 1; // Review (Label next is the first tab)
    // Walk the queue page by page as review mode does; a picture labelled here leaves it.
    for (let offset = 0; ;) {
      const page = (await ok(s, 'GET', `/v1/datasets/${ds}/review?queue=label-next&limit=${REVIEW_PAGE}&offset=${offset}`)).items as Array<{
        id: string;
        predicted: string | null;
      }>;
      if (page.length === 0) break;
      for (const it of page) {
        const truth = truthOf(it.id);
        actions += 1; // Enter (guess right), its digit, or a click on the tenth label's button
        if (it.predicted === truth) reviewRight++;
        reviewed++;
      }
      await ok(s, 'POST', `/v1/datasets/${ds}/accept`, { items: page.map((it) => ({ id: it.id, label: truthOf(it.id) })) });
      offset = 0;
    }
    actions += 1; // Esc
  }
  // Every one of the 1,000 carries its true label.
  const final = (await all(s, `/v1/datasets/${ds}/images?sort=added`)).items;
  const bad = final.filter((i) => i.label !== truthOf(i.id)).length;
  if (bad > 0 || reviewed + accepted + fixed !== UNLABELLED)
    throw new Error(`${bad} pictures end with a wrong or no label (${accepted} accepted + ${fixed} fixed + ${reviewed} reviewed)`);
  return { thresholds, fix, fixed, actions, filterActions, deselected, accepted, reviewed, reviewRight, accuracies };
}

export async function runLabellingBench(): Promise<string> {
  const header = machine();
  const set = await pictures();
  const s = await startServer();
  const outcomes: Outcome[] = [];
  try {
    for (const { thresholds, fix } of STRATEGIES) {
      const t0 = Date.now();
      const o = await strategy(s, set, thresholds, fix);
      outcomes.push(o);
      console.error(`${fix} ${thresholds.join(' → ')}: ${o.actions} actions (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    }
  } finally {
    await s.stop();
  }
  const tenth = set.unlabelled.filter((p) => p.truth === 9).length;
  const bMin = UNLABELLED + 2; // Review, one digit or click per picture, Esc
  const bGrid = 1 + UNLABELLED + (UNLABELLED - 1) + tenth; // "Unlabelled", digit (tenth: right-click + menu item) and → per picture
  const best = outcomes.reduce((a, b) => (b.actions < a.actions ? b : a));
  const rounds = (o: Outcome) => o.thresholds.map((t) => (t > 0 ? `≥ ${t}` : 'all')).join(' → ');
  const rows = outcomes.map(
    (o) =>
      `| ${rounds(o)} | ${o.fix === 'skip' ? 'Ctrl+click to leave out' : 'Ctrl+click + digit'} | ${o.accepted} | ${o.fix === 'skip' ? `${o.deselected} left out` : `${o.fixed} fixed`} | ${o.filterActions} | ${o.reviewed} (${o.reviewRight} guesses right) | ${o.actions} | **${(o.actions / bMin).toFixed(3)}** | ${(o.actions / bGrid).toFixed(3)} | ${o.accuracies.join(' → ')} |`,
  );
  const report = `## ${header}

600 labelled (60 per class) + ${UNLABELLED} unlabelled Fashion-MNIST train pictures (seed-6 shuffle), through \`loupe serve\` (the built CLI) and its HTTP API: the app's backbone, its training (POST …/train), its predictions read through the grid's filters, accepted through POST …/accept; the rest walked in review mode's Label next queue (paged). Every one of the ${UNLABELLED} ends with its true label (checked). "Held-out accuracy" is each retrain's own measure on its held-out pictures.

| filter rounds (lowest confidence) | wrong guesses on the page | accepted in bulk | wrong guesses | actions for the filter rounds | left for review mode | actions in all | ratio to (b) review mode | ratio to (b) grid | held-out accuracy of each retrain |
|---|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

(b) without predictions: review mode, one digit (or the tenth label's button) per picture + Review + Esc: **${bMin}** actions; the grid as it is (digit then →; the tenth label by right-click + menu): ${bGrid}.

Headline: filter rounds ${rounds(best)} (${best.fix === 'skip' ? 'wrong guesses left out' : 'wrong guesses fixed on the page'}), then review mode for what is left: **${best.actions} actions against ${bMin}, ratio ${(best.actions / bMin).toFixed(3)}** (aim ≤ 0.35: ${best.actions / bMin <= 0.35 ? 'met' : '**missed**'}).
Why fixing on the page wins: a wrong guess costs one Ctrl+click (plus one digit per true label among them) and never a second visit, and a right one costs a share of "Select all N" + Enter; review mode costs one key per picture, right or wrong (Enter costs what a digit costs), which is why walking all 1,000 there came to a ratio of 1.007 in the runs below: not a bug, but no saving without a bulk action.
Counted: every click and key, the filter clicks included, one PageDown per screenful of ${SCREEN} thumbnails looked at, a Ctrl+click on every wrong guess before Enter (and, fixing, a digit per true label among them). Not modelled: reading time, slips (the person is assumed to spot every wrong guess on a page).
`;
  const head0 = '# Labelling effort: predictions and review mode against labelling by hand\n\nWritten by `bench/vision/labelling-effort.ts`; newest first.\n';
  const prev = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8').replace(head0, '') : '';
  writeFileSync(RESULTS, `${head0}\n${report}\n${prev.trim()}\n`);
  return report;
}

if (process.argv[1]?.endsWith('labelling-effort.ts')) {
  runLabellingBench().then(
    (r) => console.log(r),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
