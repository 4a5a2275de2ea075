import type { Middleware } from '../http/index';

const BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/**
 * Request counts and latency histograms by route pattern (never by raw path, so ids do
 * not explode the series), plus process memory, in Prometheus text format.
 */
export class Metrics {
  private readonly requests = new Map<string, number>();
  private readonly latency = new Map<string, Histogram>();
  private readonly started = Date.now();

  middleware(): Middleware {
    return (ctx, next) => {
      const start = process.hrtime.bigint();
      const record = () => {
        const seconds = Number(process.hrtime.bigint() - start) / 1e9;
        const route = ctx.route ?? 'unmatched';
        const status = ctx.upgrade !== null && !ctx.res.headersSent ? 101 : ctx.res.statusCode;
        this.observe(ctx.method, route, status, seconds);
      };
      if (ctx.upgrade !== null) ctx.upgrade.socket.once('close', record);
      else ctx.res.once('close', record);
      return next();
    };
  }

  observe(method: string, route: string, status: number, seconds: number): void {
    const key = `method="${label(method)}",route="${label(route)}",status="${status}"`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    const hkey = `method="${label(method)}",route="${label(route)}"`;
    let h = this.latency.get(hkey);
    if (!h) {
      h = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 };
      this.latency.set(hkey, h);
    }
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]) h.counts[i]++;
    h.sum += seconds;
    h.count++;
  }

  render(): string {
    const out: string[] = [];
    out.push('# HELP loupe_http_requests_total HTTP requests answered, by method, route pattern and status.');
    out.push('# TYPE loupe_http_requests_total counter');
    for (const [k, v] of this.requests) out.push(`loupe_http_requests_total{${k}} ${v}`);
    out.push('# HELP loupe_http_request_duration_seconds Time to answer, by method and route pattern.');
    out.push('# TYPE loupe_http_request_duration_seconds histogram');
    for (const [k, h] of this.latency) {
      BUCKETS.forEach((b, i) => out.push(`loupe_http_request_duration_seconds_bucket{${k},le="${b}"} ${h.counts[i]}`));
      out.push(`loupe_http_request_duration_seconds_bucket{${k},le="+Inf"} ${h.count}`);
      out.push(`loupe_http_request_duration_seconds_sum{${k}} ${h.sum}`);
      out.push(`loupe_http_request_duration_seconds_count{${k}} ${h.count}`);
    }
    const mem = process.memoryUsage();
    out.push('# HELP loupe_process_memory_bytes Memory of the Loupe process, by kind.');
    out.push('# TYPE loupe_process_memory_bytes gauge');
    for (const kind of ['rss', 'heapTotal', 'heapUsed', 'external', 'arrayBuffers'] as const) {
      out.push(`loupe_process_memory_bytes{kind="${kind}"} ${mem[kind]}`);
    }
    out.push('# HELP loupe_process_uptime_seconds Seconds since the API started.');
    out.push('# TYPE loupe_process_uptime_seconds gauge');
    out.push(`loupe_process_uptime_seconds ${(Date.now() - this.started) / 1000}`);
    return `${out.join('\n')}\n`;
  }
}
