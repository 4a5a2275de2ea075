/**
 * Writes the local API's OpenAPI document (what `GET /v1/openapi.json` serves) to a file,
 * so `npm run lint` can check it with Redocly without a build or a server. The sources are
 * loaded through Vite (as the tests do), since they import SQL migrations as `?raw`.
 * Usage: node scripts/openapi.mjs [OUT] (default out/openapi.json)
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = resolve(process.argv[2] ?? join(root, 'out/openapi.json'));
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const vite = await createServer({
  root,
  configFile: false,
  logLevel: 'error',
  server: { middlewareMode: true, hmr: false, watch: null },
  appType: 'custom',
  optimizeDeps: { noDiscovery: true, include: [] },
});
const dir = mkdtempSync(join(tmpdir(), 'loupe-openapi-'));
try {
  const { createApp } = await vite.ssrLoadModule('/src/main/app.ts');
  const { loupeOpenApi } = await vite.ssrLoadModule('/src/main/api/index-page.ts');
  const app = await createApp({ dataDir: dir, shell: 'headless', version, log: () => {}, vision: { autoTrain: false } });
  try {
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(loupeOpenApi(app.http, version), null, 2)}\n`);
  } finally {
    await app.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
  await vite.close();
}
process.stdout.write(`wrote ${out}\n`);
