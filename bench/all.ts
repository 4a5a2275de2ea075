// `npm run bench`: every engine's benchmark in turn (each prints its own ratios and writes
// bench/<engine>/RESULTS.md), then bench/RESULTS.md is rebuilt from those pages.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { arch, cpus, totalmem } from 'node:os';

// `--assemble` rebuilds bench/RESULTS.md from the engines' pages without running anything.
const assembleOnly = process.argv.includes('--assemble');
const named = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const engines = assembleOnly ? [] : named.length ? named : ['http', 'queue', 'vision', 'lang', 'startup'];
const failed: string[] = [];
for (const e of engines) {
  console.log(`\n=== bench:${e} ===`);
  const r = spawnSync('npm', ['run', `bench:${e}`], { stdio: 'inherit' });
  if (r.status !== 0) failed.push(e);
}

// Every results page of every engine (RESULTS.md first, then RESULTS-*.md by name), so a new
// benchmark's page is in the assembled file without editing this list.
const parts = ['http', 'queue', 'vision', 'lang', 'cli']
  .filter((e) => existsSync(`bench/${e}`))
  .flatMap((e) =>
    readdirSync(`bench/${e}`)
      .filter((f) => /^RESULTS(-[\w-]+)?\.md$/.test(f))
      .sort((a, b) => (a === 'RESULTS.md' ? -1 : b === 'RESULTS.md' ? 1 : a.localeCompare(b)))
      .map((f) => `bench/${e}/${f}`),
  )
  .map((p) => readFileSync(p, 'utf8').trim());
const header = [
  '# Benchmark results',
  '',
  `Assembled ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0]?.model ?? arch()} (${Math.round(totalmem() / 2 ** 30)} GiB), Node ${process.version}.`,
  "Each section below is written by its engine's benchmark (`npm run bench:<engine>`), with its own date and conditions.",
  '',
  existsSync('bench/SUMMARY.md') ? readFileSync('bench/SUMMARY.md', 'utf8').trim() + '\n' : '',
].join('\n');
writeFileSync('bench/RESULTS.md', header + '\n' + parts.join('\n\n---\n\n') + '\n');
if (failed.length) {
  console.error(`benchmarks that failed: ${failed.join(', ')}`);
  process.exit(1);
}
