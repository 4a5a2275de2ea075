import { describe, expect, it } from 'vitest';
import { PictureWaits } from '../../src/main/services/vision/picture-waits';

const opts = { lingerMs: 5_000, batch: 3, gatherMs: 5_000 };

describe('an embed task waiting for the next pictures of an import', () => {
  it('goes on once a batch of its dataset’s pictures gathered', async () => {
    const waits = new PictureWaits();
    const signal = new AbortController().signal;
    let settled = false;
    const more = waits.wait('1', signal, opts).then((v) => ((settled = true), v));
    waits.stored('1');
    waits.stored('1');
    await new Promise((r) => setTimeout(r, 30));
    expect(settled).toBe(false);
    waits.stored('1');
    expect(await more).toBe(true);
  });

  it('goes on shortly after the first picture with however many came', async () => {
    const waits = new PictureWaits();
    const more = waits.wait('1', new AbortController().signal, { ...opts, gatherMs: 40 });
    const started = Date.now();
    waits.stored('1');
    expect(await more).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(30);
  });

  it('gives up when no picture comes, on abort, or for another dataset', async () => {
    const waits = new PictureWaits();
    const signal = new AbortController().signal;
    const started = Date.now();
    expect(await waits.wait('1', signal, { ...opts, lingerMs: 50 })).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);

    const other = waits.wait('1', signal, opts);
    waits.stored('2');
    expect(await other).toBe(false);

    const controller = new AbortController();
    const aborted = waits.wait('1', controller.signal, opts);
    controller.abort();
    expect(await aborted).toBe(false);
    expect(await waits.wait('1', controller.signal, opts)).toBe(false);
  });

  it('keeps one waiter per dataset: a second wait ends the first', async () => {
    const waits = new PictureWaits();
    const signal = new AbortController().signal;
    const first = waits.wait('1', signal, opts);
    const second = waits.wait('1', signal, { ...opts, batch: 1 });
    expect(await first).toBe(false);
    waits.stored('1');
    expect(await second).toBe(true);
  });
});
