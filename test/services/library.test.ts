import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventName, ImportProgress } from '../../src/shared/contract';
import { openStore, type Store } from '../../src/main/store';
import { LibraryService } from '../../src/main/services/library';
import { picture, truncatedJpeg, writePictures } from './pictures';

let dir: string;
let store: Store;
let lib: LibraryService;
let events: Array<{ event: EventName; payload: unknown }>;
let onEvent: ((event: EventName, payload: unknown) => void) | null = null;

function open() {
  store = openStore(join(dir, 'data', 'loupe.db'));
  lib = new LibraryService(store, join(dir, 'data'), (event, payload) => {
    events.push({ event, payload });
    onEvent?.(event, payload);
  });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-lib-'));
  events = [];
  onEvent = null;
  open();
});
afterEach(async () => {
  await lib.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function libraryFiles(): string[] {
  const root = join(dir, 'data', 'library');
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name);
}

async function importAndWait(datasetId: string, paths: string[], labels: 'folders' | 'none' = 'folders'): Promise<ImportProgress> {
  const started = lib.startImport({ datasetId, paths, labels });
  return (await lib.importer.wait(started.importId))!;
}

describe('import from folders', () => {
  it('imports a folder with 5 % corrupt files: the rest stored, the bad ones listed by name', async () => {
    const root = join(dir, 'drop', 'pets');
    await writePictures(join(root, 'cats'), 19, 0);
    await writePictures(join(root, 'dogs'), 19, 100, 'jpeg');
    writeFileSync(join(root, 'cats', 'broken.jpg'), await truncatedJpeg(7));
    writeFileSync(join(root, 'dogs', 'noise.png'), Buffer.from('this is not a picture at all, only text'));
    writeFileSync(join(root, 'dogs', 'empty.jpg'), Buffer.alloc(0));
    writeFileSync(join(root, '.DS_Store'), 'hidden files are not pictures the person dropped');
    const ds = lib.createDataset('pets');

    const result = await importAndWait(ds.id, [root]);

    expect(result.state).toBe('succeeded');
    expect(result.imported).toBe(38);
    expect(result.total).toBe(41);
    expect(result.done).toBe(41);
    const failed = Object.fromEntries(result.failed.map((f) => [f.name, f.code]));
    expect(failed).toEqual({
      'pets/cats/broken.jpg': 'bad_image',
      'pets/dogs/noise.png': 'unsupported_media_type',
      'pets/dogs/empty.jpg': 'empty_file',
    });
    for (const f of result.failed) expect(f.message.length).toBeGreaterThan(10);
    const detail = lib.getDataset(ds.id);
    expect(detail.labels).toEqual([
      { name: 'cats', count: 19, color: expect.any(String) },
      { name: 'dogs', count: 19, color: expect.any(String) },
    ]);
    // Progress events end with the final state.
    const progress = events.filter((e) => e.event === 'import.progress').map((e) => e.payload as ImportProgress);
    expect(progress.at(-1)).toMatchObject({ state: 'succeeded', done: 41 });
    expect(events.some((e) => e.event === 'dataset.changed')).toBe(true);
  });

  it('makes a 256 px WebP thumbnail beside each picture, EXIF rotation applied', async () => {
    const tall = await sharp({ create: { width: 600, height: 300, channels: 3, background: '#336699' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const file = join(dir, 'rotated.jpg');
    writeFileSync(file, tall);
    const ds = lib.createDataset('r');
    await importAndWait(ds.id, [file]);
    const [img] = lib.listImages({ datasetId: ds.id, limit: 10 }).items;
    expect({ w: img.width, h: img.height, label: img.label }).toEqual({ w: 300, h: 600, label: null });
    const thumb = await sharp((await lib.thumbnail(img.id)).webp).metadata();
    expect({ format: thumb.format, w: thumb.width, h: thumb.height }).toEqual({ format: 'webp', w: 128, h: 256 });
    expect(lib.originalPath(img.id).path).toMatch(new RegExp(`library/${img.hash.slice(0, 2)}/${img.hash}\\.jpg$`));
  });

  it('labels pictures directly inside a dropped folder with that folder name; loose files get none', async () => {
    await writePictures(join(dir, 'cats'), 3, 0);
    const [loose] = await writePictures(join(dir, 'loose'), 1, 50);
    const ds = lib.createDataset('x');
    const r = await importAndWait(ds.id, [join(dir, 'cats'), loose]);
    expect(r.imported).toBe(4);
    expect(lib.getDataset(ds.id)).toMatchObject({ labels: [{ name: 'cats', count: 3 }], unlabeledCount: 1 });
  });

  it("with labels 'none', folder names are ignored", async () => {
    await writePictures(join(dir, 'cats'), 2, 0);
    const ds = lib.createDataset('x');
    await importAndWait(ds.id, [join(dir, 'cats')], 'none');
    expect(lib.getDataset(ds.id)).toMatchObject({ labels: [], unlabeledCount: 2 });
  });

  it('reports a path that does not exist and goes on', async () => {
    await writePictures(join(dir, 'a'), 2, 0);
    const ds = lib.createDataset('x');
    const r = await importAndWait(ds.id, [join(dir, 'missing'), join(dir, 'a')]);
    expect(r.imported).toBe(2);
    expect(r.failed).toEqual([expect.objectContaining({ code: 'not_found', name: join(dir, 'missing') })]);
  });
});

describe('content-addressed library', () => {
  it('stores the same bytes once, across datasets, and the same picture once in a dataset', async () => {
    const bytes = await picture(1);
    const a = lib.createDataset('a');
    const b = lib.createDataset('b');
    const first = await lib.upload(a.id, [{ name: 'one.png', bytes }]);
    const again = await lib.upload(a.id, [{ name: 'copy.png', bytes }]);
    const other = await lib.upload(b.id, [{ name: 'one.png', bytes }]);
    expect([first.imported, again.duplicates, other.imported]).toEqual([1, 1, 1]);
    expect(again.items[0].id).toBe(first.items[0].id);
    expect(lib.getDataset(a.id).imageCount).toBe(1);
    expect(libraryFiles().sort()).toEqual([`${first.items[0].hash}.png`]);
    expect(store.thumbnails.has(first.items[0].hash)).toBe(true);

    // A file shared by two datasets survives the first deletion and goes with the last.
    await lib.deleteDataset(a.id);
    expect(libraryFiles()).toHaveLength(1);
    expect(store.thumbnails.has(first.items[0].hash)).toBe(true);
    await lib.deleteDataset(b.id);
    expect(libraryFiles()).toEqual([]);
    expect(store.thumbnails.has(first.items[0].hash)).toBe(false);
  });

  it('reads and removes the thumbnail files of a library written before thumbnails moved into the database', async () => {
    const bytes = await picture(7);
    const a = lib.createDataset('old');
    const up = (await lib.upload(a.id, [{ name: 'one.png', bytes }])).items[0];
    // As an older Loupe left it: the thumbnail in a file beside the picture, no row.
    const webp = store.thumbnails.get(up.hash)!;
    const legacy = join(dir, 'data', 'library', up.hash.slice(0, 2), `${up.hash}.thumb.webp`);
    writeFileSync(legacy, webp);
    store.thumbnails.remove(up.hash);
    expect((await lib.thumbnail(up.id)).webp.equals(webp)).toBe(true);
    // The same bytes again: the library has them whole, so nothing is decoded or written twice.
    const b = lib.createDataset('new');
    expect((await lib.upload(b.id, [{ name: 'again.png', bytes }])).imported).toBe(1);
    expect(store.thumbnails.has(up.hash)).toBe(false);
    await lib.deleteDataset(a.id);
    await lib.deleteDataset(b.id);
    expect(existsSync(legacy)).toBe(false);
    expect(libraryFiles()).toEqual([]);
  });

  it('removes what an interrupted import left in the staging folder when it opens, never fresh files', async () => {
    const staging = join(dir, 'data', 'library', '.staging');
    mkdirSync(staging, { recursive: true });
    const old = join(staging, '0123456789abcdef.tmp');
    const fresh = join(staging, 'fedcba9876543210.tmp');
    writeFileSync(old, 'x');
    const past = new Date(Date.now() - 120_000);
    utimesSync(old, past, past);
    const logged: unknown[] = [];
    const again = new LibraryService(
      store,
      join(dir, 'data'),
      () => {},
      (m) => logged.push(m),
    );
    // Staged by the process now running (or by one killed a moment ago): it stays.
    writeFileSync(fresh, 'x');
    for (let i = 0; i < 200 && existsSync(old); i++) await new Promise((r) => setTimeout(r, 10));
    expect([existsSync(old), existsSync(fresh)]).toEqual([false, true]);
    expect(String(logged[0])).toMatch(/Removed 1 temporary picture file/);
    rmSync(fresh);
    await again.close();
  });

  it('uploads: bad files are listed with their name, good ones stored with the label', async () => {
    const ds = lib.createDataset('u');
    const r = await lib.upload(
      ds.id,
      [
        { name: 'good.png', bytes: await picture(3) },
        { name: 'bad.jpg', bytes: await truncatedJpeg(4) },
      ],
      'cats',
    );
    expect(r.imported).toBe(1);
    expect(r.items[0]).toMatchObject({ name: 'good.png', label: 'cats' });
    expect(r.failed).toEqual([expect.objectContaining({ name: 'bad.jpg', code: 'bad_image' })]);
  });

  it('relabels many images in one call and deletes images with their unused files', async () => {
    const ds = lib.createDataset('x');
    const up = await lib.upload(ds.id, await Promise.all([1, 2, 3].map(async (s) => ({ name: `${s}.png`, bytes: await picture(s) }))));
    const ids = up.items.map((i) => i.id);
    expect(lib.setLabel(ids.slice(0, 2), 'birds')).toBe(2);
    expect(lib.listImages({ datasetId: ds.id, label: 'birds', limit: 10 }).items).toHaveLength(2);
    expect(lib.setLabel([ids[0]], null)).toBe(1);
    expect(lib.listImages({ datasetId: ds.id, unlabeled: true, limit: 10 }).items).toHaveLength(2);
    expect(await lib.deleteImages([ids[2]])).toBe(1);
    // The deleted picture's file stays while an undo may bring it back; the dataset's deletion lets it go.
    expect(libraryFiles()).toHaveLength(3);
    expect(store.thumbnails.has(up.items[2].hash)).toBe(true);
    await lib.labelling.undo(ds.id);
    expect(lib.listImages({ datasetId: ds.id, limit: 10 }).items.map((i) => i.id)).toEqual([...ids].sort());
    await lib.labelling.redo(ds.id);
    await lib.deleteDataset(ds.id);
    expect(libraryFiles()).toHaveLength(0);
    expect(store.db.prepare('SELECT COUNT(*) AS n FROM thumbnails').get()).toEqual({ n: 0 });
  });
});

describe('deleting a dataset while its import runs', () => {
  it('stops the import and leaves no orphan rows or files', async () => {
    const src = join(dir, 'big', 'things');
    await writePictures(src, 60, 1000);
    const ds = lib.createDataset('doomed');
    const keep = lib.createDataset('kept');
    await lib.upload(keep.id, [{ name: 'k.png', bytes: await picture(5000) }]);

    // Delete from inside the progress callback: the import is certainly still running then.
    let deletion: Promise<boolean> | null = null;
    let stateAtDelete = '';
    onEvent = (event, payload) => {
      const p = payload as ImportProgress;
      if (event === 'import.progress' && p.total > 0 && p.state === 'running' && !deletion) {
        stateAtDelete = p.state;
        deletion = lib.deleteDataset(ds.id);
      }
    };
    const started = lib.startImport({ datasetId: ds.id, paths: [src], labels: 'folders' });
    for (let i = 0; i < 3000 && !deletion; i++) await new Promise((r) => setTimeout(r, 10));
    expect(stateAtDelete).toBe('running');
    expect(await deletion).toBe(true);
    const after = lib.getImport(started.importId);
    expect(after.state).toBe('cancelled');
    expect(after.done).toBeLessThan(60);

    const rows = store.db.prepare('SELECT (SELECT COUNT(*) FROM images) AS images, (SELECT COUNT(*) FROM labels) AS labels').get();
    expect(rows).toEqual({ images: 1, labels: 0 });
    // Only the other dataset's picture and its thumbnail remain; no temp files either.
    expect(libraryFiles()).toHaveLength(1);
    expect(store.db.prepare('SELECT COUNT(*) AS n FROM thumbnails').get()).toEqual({ n: 1 });
    expect(() => lib.getDataset(ds.id)).toThrow(/No dataset/);
  });

  it('cancels an import on request', async () => {
    await writePictures(join(dir, 'c'), 30, 2000);
    const ds = lib.createDataset('c');
    const started = lib.startImport({ datasetId: ds.id, paths: [join(dir, 'c')], labels: 'folders' });
    const cancelled = await lib.cancelImport(started.importId);
    expect(cancelled.state).toBe('cancelled');
    // What was imported before the cancel stays, and matches the count.
    expect(lib.getDataset(ds.id).imageCount).toBe(cancelled.imported);
  });
});

describe('restart', () => {
  it('keeps datasets, labels, images and thumbnails after reopening the data folder', async () => {
    await writePictures(join(dir, 'in', 'cats'), 3, 0);
    const ds = lib.createDataset('kept');
    await importAndWait(ds.id, [join(dir, 'in')]);
    lib.createLabel(ds.id, 'empty-label');
    await lib.close();
    store.close();
    open();
    const detail = lib.getDataset(ds.id);
    expect(detail.labels).toEqual([
      { name: 'cats', count: 3, color: expect.any(String) },
      { name: 'empty-label', count: 0, color: expect.any(String) },
    ]);
    const [img] = lib.listImages({ datasetId: ds.id, limit: 1 }).items;
    expect((await lib.thumbnail(img.id)).webp.length).toBeGreaterThan(0);
  });
});
