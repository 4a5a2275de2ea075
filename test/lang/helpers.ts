// Shared helpers for the language tests: run a program and get one comparable transcript.
import { runProgram, type RunOptions } from '../../src/main/lang/index';

/** stdout + stderr + "[exit]" — the three things §1 says a conforming run produces. */
export function transcript(source: string, options: RunOptions = {}): string {
  const r = runProgram(source, options);
  return `${r.stdout}${r.stderr}[${r.exitCode}]`;
}

/** An in-memory file system for module tests (paths are '/'-separated and absolute). */
export function memoryFiles(files: Record<string, string>): (path: string) => string | null {
  return (path) => (Object.prototype.hasOwnProperty.call(files, path) ? files[path] : null);
}
