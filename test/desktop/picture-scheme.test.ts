import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/main/store';
import { LibraryService } from '../../src/main/services/library';
import { servePicture } from '../../src/main/desktop/picture-scheme';

/*
 * The desktop window's pictures: loupe-thumb://image/ID is the 256 px thumbnail, and
 * loupe-thumb://file/ID the original, so the full-size viewer shows the real picture (it
 * showed the thumbnail blown up). A real library over a real SQLite file and real sharp.
 */

let dir: string;
let library: LibraryService;
let close: () => void;
let id: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-picture-scheme-'));
  const store = openStore(join(dir, 'data', 'loupe.db'));
  close = () => store.close();
  library = new LibraryService(store, join(dir, 'data'), () => {});
  const ds = library.createDataset('big').id;
  const bytes = await sharp({ create: { width: 1200, height: 800, channels: 3, background: { r: 200, g: 40, b: 40 } } })
    .jpeg()
    .toBuffer();
  id = (await library.upload(ds, [{ name: 'big.jpg', bytes }])).items[0].id;
});
afterAll(() => {
  close();
  rmSync(dir, { recursive: true, force: true });
});

describe('loupe-thumb:// pictures', () => {
  it('serves the original picture at full size for file/ID, the thumbnail for image/ID', async () => {
    const full = await servePicture(library, `loupe-thumb://file/${id}`);
    expect(full.status).toBe(200);
    expect(full.headers.get('content-type')).toBe('image/jpeg');
    expect(await sharp(Buffer.from(await full.arrayBuffer())).metadata()).toMatchObject({ width: 1200, height: 800 });

    const thumb = await servePicture(library, `loupe-thumb://image/${id}`);
    expect(thumb.headers.get('content-type')).toBe('image/webp');
    const meta = await sharp(Buffer.from(await thumb.arrayBuffer())).metadata();
    expect(Math.max(meta.width!, meta.height!)).toBeLessThanOrEqual(256);
  });

  it('answers 404 for unknown ids and other hosts, 400 for a URL that is not one', async () => {
    expect((await servePicture(library, 'loupe-thumb://file/999999')).status).toBe(404);
    expect((await servePicture(library, 'loupe-thumb://image/')).status).toBe(404);
    expect((await servePicture(library, `loupe-thumb://other/${id}`)).status).toBe(404);
    expect((await servePicture(library, 'not a url')).status).toBe(400);
  });
});
