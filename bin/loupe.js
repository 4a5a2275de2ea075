#!/usr/bin/env -S node --stack-size=4000
// The `loupe` command: runs the built CLI (npm run build makes out/main/cli.js).
//
// Scripts may recurse 10,000 calls deep, which needs a bigger JS stack than Node's default.
// V8 takes its stack size only at start: run as a program (the line above, or npm's shim
// made from it) Node gets it for free. Started some other way (`node bin/loupe.js run …`),
// `run` and `repl` go to a worker thread that takes its stack size in resourceLimits:
// still one process, at the cost of a worker's start-up (about 50 ms of CPU).
// Nothing is imported up front: every module loaded here is start-up time of every command.
const cli = new URL('../out/main/cli.js', import.meta.url);
const notBuilt = (err) => {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes('cli.js')) throw err;
  process.stderr.write('loupe: not built yet; run `npm run build` in the Loupe folder first.\n');
  process.exit(1);
};
const command = process.argv[2];
if ((command === 'run' || command === 'repl') && !process.execArgv.some((a) => a.startsWith('--stack-size'))) {
  const { Worker } = await import('node:worker_threads');
  const { existsSync } = await import('node:fs');
  if (!existsSync(cli)) notBuilt({ code: 'ERR_MODULE_NOT_FOUND', message: 'cli.js' });
  const worker = new Worker(cli, {
    argv: process.argv.slice(2),
    stdin: command === 'repl',
    resourceLimits: { stackSizeMb: 8 },
  });
  if (command === 'repl') process.stdin.pipe(worker.stdin);
  worker.on('error', (err) => {
    // A script that outgrows the worker's heap ends like any other memory limit (LANGUAGE.md: exit 70).
    const oom = err && err.code === 'ERR_WORKER_OUT_OF_MEMORY';
    process.stderr.write(oom ? 'Error at 1:1: Memory limit exceeded.\n' : `loupe: ${String(err)}\n`);
    process.exitCode = oom ? 70 : 1;
  });
  worker.on('exit', (code) => {
    if (!process.exitCode) process.exitCode = code;
    process.stdin.unref?.();
  });
} else {
  await import(cli.href).catch(notBuilt);
}
