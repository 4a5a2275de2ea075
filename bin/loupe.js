#!/usr/bin/env node
// The `loupe` command: runs the built CLI (npm run build makes out/main/cli.js).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../out/main/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('loupe: not built yet; run `npm run build` in the Loupe folder first.\n');
  process.exit(1);
}
// Scripts may recurse 10,000 calls deep, which needs a bigger JS stack than Node's default;
// V8 takes that size only at start, so `run` and `repl` get a Node of their own.
const command = process.argv[2];
if ((command === 'run' || command === 'repl') && !process.execArgv.some((a) => a.startsWith('--stack-size'))) {
  const r = spawnSync(process.execPath, ['--stack-size=4000', fileURLToPath(cli), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
await import(cli.href);
