import type { Middleware, PrometheusText } from '../http/index';

const BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Histogram {
  method: string;
  route: string;
  counts: number[];
  sum: number;
  count: number;
}

interface RequestCount {
  method: string;
  route: string;
  status: number;
  n: number;
}

/**
 * Request counts and latency histograms by route pattern (never by raw path, so ids do
 * not explode the series), plus process memory, in Prometheus text format.
 */
export class Metrics {
  private readonly requests = new Map<string, RequestCount>();
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
    const key = `${method} ${route} ${status}`;
    const r = this.requests.get(key);
    if (r) r.n++;
    else this.requests.set(key, { method, route, status, n: 1 });
    const hkey = `${method} ${route}`;
    let h = this.latency.get(hkey);
    if (!h) {
      h = { method, route, counts: BUCKETS.map(() => 0), sum: 0, count: 0 };
      this.latency.set(hkey, h);
    }
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]) h.counts[i]++;
    h.sum += seconds;
    h.count++;
  }

  /** Adds the HTTP and process families to a scrape. */
  write(out: PrometheusText): void {
    out.counter(
      'loupe_http_requests_total',
      'HTTP requests answered, by method, route pattern and status.',
      [...this.requests.values()].map((r) => [{ method: r.method, route: r.route, status: r.status }, r.n] as const),
    );
    out.histogram(
      'loupe_http_request_duration_seconds',
      'Time to answer, by method and route pattern.',
      [...this.latency.values()].map((h) => ({
        labels: { method: h.method, route: h.route },
        bounds: BUCKETS,
        cumulative: h.counts,
        sum: h.sum,
        count: h.count,
      })),
    );
    const mem = process.memoryUsage();
    out.gauge(
      'loupe_process_memory_bytes',
      'Memory of the Loupe process, by kind.',
      (['rss', 'heapTotal', 'heapUsed', 'external', 'arrayBuffers'] as const).map((kind) => [{ kind }, mem[kind]] as const),
    );
    out.gauge('loupe_process_uptime_seconds', 'Seconds since the API started.', [[{}, (Date.now() - this.started) / 1000]]);
  }
}
