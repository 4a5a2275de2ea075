// The layer lint (eslint/layers.js) as a person meets it: SQL prepared outside the store is an
// error with a message that says where it goes, with no file let off; inside the store it is not.
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: ROOT });
const SQL = "export const count = (db: { prepare(s: string): { get(): unknown } }) => db.prepare('SELECT count(*) FROM scripts').get();\n";

async function sqlErrors(file: string): Promise<string[]> {
  const [result] = await eslint.lintText(SQL, { filePath: path.join(ROOT, file) });
  return result.messages.filter((m) => m.ruleId === 'loupe/sql-in-store').map((m) => m.message);
}

describe('loupe/sql-in-store', () => {
  it('rejects .prepare( in services, api and the scripts service that used to be let off', async () => {
    for (const file of ['src/main/services/scripts/script-repository.ts', 'src/main/services/vision/x.ts', 'src/main/api/x.ts']) {
      const errors = await sqlErrors(file);
      expect(errors, file).toHaveLength(1);
      expect(errors[0]).toMatch(/SQL lives in src\/main\/store/);
    }
  }, 60_000);

  it("accepts it in the store and in the queue engine's own store", async () => {
    expect(await sqlErrors('src/main/store/scripts.ts')).toEqual([]);
    expect(await sqlErrors('src/main/queue/store/x.ts')).toEqual([]);
  }, 60_000);
});
