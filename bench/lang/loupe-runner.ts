// Runs one .loupe file exactly as `loupe run` does (runFile: read, compile, run, output
// through fd 1 block-buffered when it is not a terminal) and reports the CPU time of that,
// excluding Node's start-up, on stderr as "cpu-ms N". The output is flushed inside the
// timed part, as CPython's and Lua's runners include their own print buffering.
import { langCommand } from '../../src/main/cli/lang-commands';

const before = process.cpuUsage();
const code = await langCommand('run', [process.argv[2]]);
const used = process.cpuUsage(before);
process.stderr.write(`cpu-ms ${((used.user + used.system) / 1000).toFixed(1)}\n`);
process.exitCode = code;
