import { expect, it } from 'vitest';
import { runServerFuzz } from './server-fuzz';

/*
 * Issue 12's "done when": generated scripts with the host calls in the mix, against a real
 * `loupe serve` (the build: run `npm run build` first), never take the server down, never
 * stall /v1/health past 200 ms, never write outside the granted folders. 500 scripts by
 * default; LOUPE_FUZZ_COUNT=10000 for the full run (about half an hour on two cores), or
 * `npx tsx test/fuzz/server-fuzz.ts --count 10000 --out report.json` for the report alone.
 */
const COUNT = Number(process.env.LOUPE_FUZZ_COUNT ?? 500);
const SEED = Number(process.env.LOUPE_FUZZ_SEED ?? 1);

it(
  `${COUNT} generated scripts against loupe serve: no death, no stalled health check, no write outside the granted folders`,
  async () => {
    const report = await runServerFuzz({ count: COUNT, seed: SEED, keepGoing: true, log: (l) => console.log(`[fuzz] ${l}`) });
    console.log(`[fuzz] ${report.ran} scripts in ${report.seconds} s; health polled ${report.health.polls} times, slowest ${report.health.maxMs} ms`);
    expect(report.ran).toBe(COUNT);
    console.log(`[fuzz] baseline before any script: ${JSON.stringify(report.baseline)}`);
    // One comparison, so a failing run shows every kind of breach at once.
    expect({
      deaths: report.deaths.map((d) => ({ index: d.index, exit: d.exit, stderr: d.stderr.slice(-300) })),
      stalls: report.stalls.map((d) => ({ index: d.index, running: d.running })),
      slowHealth: report.health.slow,
      failedHealth: report.health.failed,
      outsideWrites: report.outsideWrites,
      readEscapes: report.readEscapes,
      limitEscapes: report.limitEscapes,
      unexpected: report.unexpected,
    }).toEqual({ deaths: [], stalls: [], slowHealth: [], failedHealth: [], outsideWrites: [], readEscapes: [], limitEscapes: [], unexpected: [] });
    // The poller really ran all along (a poller that never polled would pass everything above).
    expect(report.health.polls).toBeGreaterThan(report.seconds * 5);
  },
  Math.max(600_000, COUNT * 400),
);
