import { describe, expect, it } from 'vitest';
import { PictureWaits } from '../../src/main/services/vision/picture-waits';

describe('an embed task waiting for the next pictures of an import', () => {
  it('goes on when its dataset gets pictures, and gives up on timeout, on abort, or for another dataset', async () => {
    const waits = new PictureWaits();
    const signal = new AbortController().signal;

    const more = waits.wait('1', signal, 5_000);
    waits.stored('1');
    expect(await more).toBe(true);

    const started = Date.now();
    expect(await waits.wait('1', signal, 50)).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);

    const other = waits.wait('1', signal, 5_000);
    waits.stored('2');
    expect(await other).toBe(false);

    const controller = new AbortController();
    const aborted = waits.wait('1', controller.signal, 5_000);
    controller.abort();
    expect(await aborted).toBe(false);
    expect(await waits.wait('1', controller.signal, 5_000)).toBe(false);
  });

  it('keeps one waiter per dataset: a second wait ends the first', async () => {
    const waits = new PictureWaits();
    const signal = new AbortController().signal;
    const first = waits.wait('1', signal, 5_000);
    const second = waits.wait('1', signal, 5_000);
    expect(await first).toBe(false);
    waits.stored('1');
    expect(await second).toBe(true);
  });
});
