// Runs one .loupe file with the engine for the benchmark; reports the in-process CPU time
// of compile + run (excluding Node and tsx start-up) on stderr as "cpu-ms N".
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { runProgram } from '../../src/main/lang/index';

const file = resolve(process.argv[2]);
const source = readFileSync(file, 'utf8');
const before = process.cpuUsage();
const result = runProgram(source, {
  mainPath: file,
  readFile: (p) => { try { return readFileSync(p, 'utf8'); } catch { return null; } },
  stdout: (t) => { process.stdout.write(t); },
});
const used = process.cpuUsage(before);
process.stderr.write(result.stderr);
process.stderr.write(`cpu-ms ${((used.user + used.system) / 1000).toFixed(1)}\n`);
process.exitCode = result.exitCode;
