import { cpus } from 'node:os';

export interface Sample {
  round: number;
  case: string;
  server: string;
  cpuUsPerReq: number;
  rps: number;
  p99: number;
  errors: number;
  non2xx: number;
}

function median(xs: number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Medians over rounds per case and server, with ratios to Fastify and bare node:http, as Markdown. */
export function summarize(
  samples: Sample[],
  cfg: { duration: number; warmup: number; rounds: number; connections: number; pinned: boolean; load?: { start: number[]; end: number[] } },
): string {
  const cases = [...new Set(samples.map((s) => s.case))];
  const servers = [...new Set(samples.map((s) => s.server))];
  const lines: string[] = [];
  lines.push(
    `Run: ${new Date().toISOString()}, Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ` +
      `${cfg.rounds} rounds × ${cfg.duration} s after ${cfg.warmup} s warm-up, ${cfg.connections} connections, ` +
      `${cfg.pinned ? 'server on core 0, autocannon on core 1' : 'not pinned'}. Medians over rounds.` +
      (cfg.load ? ` Load average (1/5/15 min) at start ${fmtLoad(cfg.load.start)}, at end ${fmtLoad(cfg.load.end)}.` : ''),
  );
  lines.push('');
  lines.push('| case | server | CPU µs/req | ×fastify | ×node | req/s | p99 ms | CPU µs/req per round |');
  lines.push('|---|---|---:|---:|---:|---:|---:|---|');
  const verdicts: string[] = [];
  for (const c of cases) {
    const med = (srv: string, f: (s: Sample) => number) => median(samples.filter((s) => s.case === c && s.server === srv).map(f));
    const fast = med('fastify', (s) => s.cpuUsPerReq);
    const bare = med('node', (s) => s.cpuUsPerReq);
    for (const srv of servers) {
      const cpu = med(srv, (s) => s.cpuUsPerReq);
      const per = samples
        .filter((s) => s.case === c && s.server === srv)
        .map((s) => s.cpuUsPerReq.toFixed(1))
        .join(', ');
      const bad = samples.filter((s) => s.case === c && s.server === srv).reduce((n, s) => n + s.errors + s.non2xx, 0);
      lines.push(
        `| ${c} | ${srv} | ${cpu.toFixed(1)} | ${(cpu / fast).toFixed(2)} | ${(cpu / bare).toFixed(2)} | ${med(srv, (s) => s.rps).toFixed(0)} | ${med(srv, (s) => s.p99).toFixed(0)} | ${per}${bad ? ` (errors/non-2xx: ${bad})` : ''} |`,
      );
    }
    if (servers.includes('loupe') && Number.isFinite(fast) && Number.isFinite(bare)) {
      const l = med('loupe', (s) => s.cpuUsPerReq);
      const okF = l <= fast;
      const okN = l <= 1.1 * bare;
      verdicts.push(
        `- ${c}: Loupe ${l.toFixed(1)} µs vs Fastify ${fast.toFixed(1)} (${okF ? 'met' : `missed by ${((l / fast - 1) * 100).toFixed(0)}%`}), ` +
          `vs 1.1× bare ${(1.1 * bare).toFixed(1)} (${okN ? 'met' : `missed by ${((l / (1.1 * bare) - 1) * 100).toFixed(0)}%`}); ` +
          `same-round ratios ×fastify ${paired(samples, c, 'fastify')}, ×node ${paired(samples, c, 'node')}`,
      );
    }
  }
  if (verdicts.length) {
    lines.push('');
    lines.push('Targets (CPU per request ≤ Fastify and ≤ 1.1× bare node:http):');
    lines.push(...verdicts);
  }
  return lines.join('\n');
}

function fmtLoad(l: number[]): string {
  return l.map((x) => x.toFixed(2)).join('/');
}

/**
 * Loupe's CPU per request over `other`'s, round by round (the two measured within a minute
 * of each other, so slow drifts in machine load cancel): "median (min–max)".
 */
function paired(samples: Sample[], c: string, other: string): string {
  const ratios: number[] = [];
  for (const l of samples) {
    if (l.case !== c || l.server !== 'loupe') continue;
    const o = samples.find((s) => s.case === c && s.server === other && s.round === l.round);
    if (o) ratios.push(l.cpuUsPerReq / o.cpuUsPerReq);
  }
  if (ratios.length === 0) return 'n/a';
  return `${median(ratios).toFixed(2)} (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`;
}
