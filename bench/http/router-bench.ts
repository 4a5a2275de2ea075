import { Router } from '../../src/main/http';

/**
 * Router lookup cost with 10 routes vs 1,000 (same shapes), in-process: the issue asks
 * that lookup not slow down as routes grow. Reports ns per lookup for a static and a
 * two-parameter path, median of 5 runs.
 */
function table(resources: number): Router<number> {
  const r = new Router<number>();
  for (let i = 0; i < resources; i++) {
    r.add('GET', `/r${i}`, 1);
    r.add('GET', `/r${i}/search`, 2);
    r.add('GET', `/r${i}/:id`, 3);
    r.add('GET', `/r${i}/:id/sub`, 4);
    r.add('GET', `/r${i}/:id/sub/:subId`, 5);
  }
  return r;
}

function time(r: Router<number>, paths: string[], n: number): number {
  let sink = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const p = paths[i % paths.length];
    const e = r.find('GET', p);
    if (e !== null) {
      sink += e.value;
      if (e.paramNames.length) sink += r.params(e, p).id.length;
    }
  }
  const ns = Number(process.hrtime.bigint() - t0) / n;
  if (sink === -1) console.log(sink);
  return ns;
}

export function routerBench(): string {
  const rows: string[] = ['| routes | static `/r1/search` ns | `/r1/:id/sub/:subId` ns | last route `/rN/:id/sub/:subId` ns |', '|---:|---:|---:|---:|'];
  for (const resources of [2, 200]) {
    const r = table(resources);
    const last = resources - 1;
    // The same paths exist in both tables, so only the table size differs.
    const stat = ['/r1/search'];
    const dyn = ['/r1/12345/sub/678'];
    const lastDyn = [`/r${last}/12345/sub/678`];
    for (let w = 0; w < 3; w++) {
      time(r, stat, 200_000);
      time(r, dyn, 200_000);
      time(r, lastDyn, 200_000);
    }
    const med = (f: () => number) => {
      const xs = Array.from({ length: 5 }, f).sort((a, b) => a - b);
      return xs[2];
    };
    rows.push(
      `| ${resources * 5} | ${med(() => time(r, stat, 1_000_000)).toFixed(0)} | ${med(() => time(r, dyn, 1_000_000)).toFixed(0)} | ${med(() => time(r, lastDyn, 1_000_000)).toFixed(0)} |`,
    );
  }
  return rows.join('\n');
}

if (process.argv[1]?.endsWith('router-bench.ts')) console.log(routerBench());
