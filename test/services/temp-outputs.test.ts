// predict-folder's temporary CSVs are recorded in the data folder before a byte is written, so a
// kill -9 cannot leave one in the person's folder for good. These tests kill it, in effect,
// between writing a record and renaming it into place (a window CI hit once), and mid-write.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TempOutputs } from '../../src/main/services/vision/temp-outputs';

let dir: string;
let journal: string;
let temps: TempOutputs;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-temps-'));
  journal = join(dir, 'pending-outputs');
  temps = new TempOutputs(journal);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A temporary CSV recorded for `taskId`, its record then left as the process would have left it. */
async function recorded(taskId: string, state: 'renamed' | 'not renamed' | 'half written'): Promise<string> {
  const tmp = join(dir, `.predictions.csv.${taskId}.tmp`);
  writeFileSync(tmp, 'path,label\n');
  await temps.record(taskId, tmp);
  const entry = join(journal, `${taskId}.json`);
  if (state !== 'renamed') renameSync(entry, `${entry}.new`);
  if (state === 'half written') writeFileSync(`${entry}.new`, '{"path":"');
  return tmp;
}

describe('TempOutputs at start-up', () => {
  it('removes the temporary file of a task killed between writing its record and renaming it', async () => {
    const tmp = await recorded('7', 'not renamed');
    expect(await temps.sweep(() => false)).toBe(1);
    expect([existsSync(tmp), readdirSync(journal)]).toEqual([false, []]);
  });

  it('finishes the record of a task still live, and keeps its file', async () => {
    const tmp = await recorded('8', 'not renamed');
    expect(await temps.sweep((id) => id === '8')).toBe(0);
    expect([existsSync(tmp), readdirSync(journal)]).toEqual([true, ['8.json']]);
  });

  it('drops half a record, and removes finished ones as before', async () => {
    const half = await recorded('9', 'half written');
    const whole = await recorded('10', 'renamed');
    expect(await temps.sweep(() => false)).toBe(1);
    expect([existsSync(whole), readdirSync(journal)]).toEqual([false, []]);
    // Half a record names nothing Loupe can prove is its own: the file stays.
    expect(existsSync(half)).toBe(true);
  });

  it('removes a file created after its name was recorded but killed before its identity was', async () => {
    const tmp = join(dir, `.predictions.csv.${randomUUID()}.tmp`);
    await temps.intend('11', tmp);
    writeFileSync(tmp, ''); // created, then kill -9 before record()
    expect(await temps.sweep(() => false)).toBe(1);
    expect([existsSync(tmp), readdirSync(journal)]).toEqual([false, []]);
  });

  it('forgets a recorded name that was never created, and leaves alone what is no file of ours', async () => {
    await temps.intend('12', join(dir, `.never-created.${randomUUID()}.tmp`));
    const folder = join(dir, `.a-folder.${randomUUID()}.tmp`);
    await temps.intend('13', folder);
    mkdirSync(folder);
    // An intent names only a temporary file of Loupe's own making: never the person's file.
    const theirs = join(dir, 'notes.txt');
    await temps.intend('15', theirs);
    writeFileSync(theirs, 'mine');
    expect(await temps.sweep(() => false)).toBe(0);
    expect([existsSync(folder), existsSync(theirs), readdirSync(journal)]).toEqual([true, true, []]);
  });

  it('keeps the file of a live task whose identity was not recorded yet', async () => {
    const tmp = join(dir, `.live.${randomUUID()}.tmp`);
    await temps.intend('14', tmp);
    writeFileSync(tmp, '');
    expect(await temps.sweep((id) => id === '14')).toBe(0);
    expect(existsSync(tmp)).toBe(true);
    // Its identity recorded after all, the usual rules hold.
    await temps.record('14', tmp);
    expect(await temps.clean('14')).toBe('removed');
  });
});
