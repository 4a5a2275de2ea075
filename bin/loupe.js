#!/usr/bin/env -S node --stack-size=4000
// The `loupe` command: runs the built CLI (`npm run build` makes out/main/).
//
// CommonJS (bin/package.json), and --version, --help and the language's commands come from
// out/main/cli-fast.cjs, also CommonJS: Node then never starts its ES module loader for
// them, which is most of the start-up of `loupe run` of a short script. Every other command
// goes to the full dispatcher, out/main/cli.js, which loads each command on demand.
//
// Scripts may recurse 10,000 calls deep, which needs a bigger JS stack than Node's default.
// V8 takes its stack size only at start: run as a program (the line above, or npm's shim
// made from it) Node gets it for free. Started some other way (`node bin/loupe.js run ...`),
// `run` and `repl` go to a worker thread that takes its stack size in resourceLimits: still
// one process, at the cost of a worker's start-up (about 50 ms of CPU).
'use strict';
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');

const out = join(__dirname, '..', 'out', 'main');
const argv = process.argv.slice(2);
const command = argv[0];

function notBuilt(err) {
  if (err && (err.code === 'MODULE_NOT_FOUND' || err.code === 'ERR_MODULE_NOT_FOUND') && String(err.message).includes(out)) {
    process.stderr.write('loupe: not built yet; run `npm run build` in the Loupe folder first.\n');
    process.exit(1);
  }
  throw err;
}

function inWorker() {
  const { Worker } = require('node:worker_threads');
  const worker = new Worker(join(out, 'cli-fast.cjs'), { argv, stdin: command === 'repl', resourceLimits: { stackSizeMb: 8 } });
  if (command === 'repl') process.stdin.pipe(worker.stdin);
  worker.on('error', (err) => {
    // A script that outgrows the worker's heap ends like any other memory limit (LANGUAGE.md: exit 70).
    const oom = err && err.code === 'ERR_WORKER_OUT_OF_MEMORY';
    process.stderr.write(oom ? 'Error at 1:1: Memory limit exceeded.\n' : `loupe: ${String(err)}\n`);
    process.exitCode = oom ? 70 : 1;
  });
  worker.on('exit', (code) => {
    if (!process.exitCode) process.exitCode = code;
    if (process.stdin.unref) process.stdin.unref();
  });
}

let fast = null;
try {
  fast = require(join(out, 'cli-fast.cjs'));
} catch (err) {
  // Built by an older build without the quick path: the full dispatcher does everything.
  if (!(err && err.code === 'MODULE_NOT_FOUND')) throw err;
}
// On Windows the main thread's stack is 1 MB whatever V8 is told (npm's .cmd shim passes the
// flag from the #! line along), so scripts always get a worker's real one there.
const bigStack = process.platform !== 'win32' && process.execArgv.some((a) => a.startsWith('--stack-size'));
if (fast && (command === 'run' || command === 'repl') && !bigStack) inWorker();
else {
  const quick = fast ? fast.runFast(argv) : null;
  // Output went out with writeSync, so nothing is pending: exiting at once skips the heap's
  // teardown, a few milliseconds after a script that built a big list.
  if (quick) quick.then((code) => process.exit(code));
  else import(pathToFileURL(join(out, 'cli.js')).href).catch(notBuilt);
}
