// The vision engine's pure half must stay runnable without Node: the layer lint rejects an
// import of node:*, of a Node-only package or of the Node half from src/main/vision/pure, and
// the pure tsconfig has no Node types. Both are checked here on the repository's own config.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

async function layerErrors(file: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: root });
  const [result] = await eslint.lintText(code, { filePath: join(root, file) });
  return result.messages.filter((m) => m.ruleId === 'loupe/import-layers').map((m) => m.message);
}

describe('src/main/vision/pure', () => {
  it('may not import node:*, Node packages or the Node half; may import itself and zod', async () => {
    const errors = await layerErrors(
      'src/main/vision/pure/train/probe.ts',
      [
        "import { readFileSync } from 'node:fs';",
        "import sharp from 'sharp';",
        "import { InferenceEngine } from '../../node/inference/engine';",
        "import { exportModel } from '../../index';",
        "import { z } from 'zod';",
        "import { checkHead } from './head-check';",
        'export const all = [readFileSync, sharp, InferenceEngine, exportModel, z, checkHead];',
      ].join('\n'),
    );
    expect(errors).toHaveLength(4);
    for (const [i, spec] of ['node:fs', 'sharp', '../../node/inference/engine', '../../index'].entries()) {
      expect(errors[i]).toContain(`not '${spec}'`);
    }
  });

  it('the Node half may import the pure half', async () => {
    const errors = await layerErrors('src/main/vision/node/export/probe.ts', "import { predict } from '../../pure/forward';\nexport const f = predict;\n");
    expect(errors).toEqual([]);
  });

  it('typechecks without Node types: Buffer and node:fs are unknown there', () => {
    // Inside the checkout (tmp/ is ignored), so that node_modules/@types/node would be in reach.
    mkdirSync(join(root, 'tmp'), { recursive: true });
    const dir = mkdtempSync(join(root, 'tmp', 'pure-tsc-'));
    try {
      // The probe lives in a temporary folder: the compiler options come from the pure tsconfig.
      const probe = join(dir, 'probe.ts');
      writeFileSync(probe, "import { readFileSync } from 'node:fs';\nexport const b = Buffer.from('x');\nexport const r = readFileSync;\n");
      const config = join(dir, 'tsconfig.json');
      writeFileSync(
        config,
        JSON.stringify({ extends: join(root, 'tsconfig.vision-pure.json'), include: [join(root, 'src/main/vision/pure/host.d.ts'), probe] }),
      );
      let out = '';
      try {
        execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', config, '--noEmit'], { encoding: 'utf8' });
      } catch (e) {
        out = String((e as { stdout?: string }).stdout);
      }
      expect(out).toContain("Cannot find module 'node:fs'");
      expect(out).toContain("Cannot find name 'Buffer'");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
