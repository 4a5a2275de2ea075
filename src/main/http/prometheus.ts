/**
 * The Prometheus text exposition format (version 0.0.4), written in one place so every
 * family escapes its labels and HELP the same way and declares a type that matches its
 * samples: counters end in `_total`, histograms carry `_bucket`/`_sum`/`_count`,
 * summaries carry `quantile` samples with `_sum`/`_count`. Whatever produces the numbers
 * (HTTP timings, the task queue) hands them over as plain values; `promtool check
 * metrics` passes on what this writes.
 */

export type Labels = Readonly<Record<string, string | number>>;

export interface HistogramSeries {
  labels: Labels;
  /** Upper bounds, ascending, without +Inf. */
  bounds: readonly number[];
  /** Cumulative counts per bound (observations ≤ bound). */
  cumulative: readonly number[];
  sum: number;
  count: number;
}

export interface SummarySeries {
  labels: Labels;
  /** `[quantile, value]`; a value of null (no observations) is written as NaN. */
  quantiles: ReadonlyArray<readonly [number, number | null]>;
  sum: number;
  count: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function formatValue(v: number | null): string {
  if (v === null || Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function labelText(labels: Labels, extra?: [string, string]): string {
  const parts: string[] = [];
  for (const k in labels) {
    if (!LABEL.test(k) || k.startsWith('__')) throw new Error(`Invalid Prometheus label name ${JSON.stringify(k)}.`);
    parts.push(`${k}="${escapeLabel(String(labels[k]))}"`);
  }
  if (extra) parts.push(`${extra[0]}="${extra[1]}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

/** Collects families and renders them; one instance per scrape. */
export class PrometheusText {
  private readonly lines: string[] = [];
  private readonly seen = new Set<string>();

  private head(name: string, type: string, help: string): void {
    if (!NAME.test(name)) throw new Error(`Invalid Prometheus metric name ${JSON.stringify(name)}.`);
    if (this.seen.has(name)) throw new Error(`Metric family ${name} is written twice.`);
    if (type === 'counter' && !name.endsWith('_total')) throw new Error(`Counter ${name} must end in _total.`);
    this.seen.add(name);
    this.lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
  }

  gauge(name: string, help: string, samples: Iterable<readonly [Labels, number | null]>): this {
    this.head(name, 'gauge', help);
    for (const [labels, v] of samples) this.lines.push(`${name}${labelText(labels)} ${formatValue(v)}`);
    return this;
  }

  counter(name: string, help: string, samples: Iterable<readonly [Labels, number]>): this {
    this.head(name, 'counter', help);
    for (const [labels, v] of samples) this.lines.push(`${name}${labelText(labels)} ${formatValue(v)}`);
    return this;
  }

  histogram(name: string, help: string, series: Iterable<HistogramSeries>): this {
    this.head(name, 'histogram', help);
    for (const s of series) {
      s.bounds.forEach((b, i) => this.lines.push(`${name}_bucket${labelText(s.labels, ['le', formatValue(b)])} ${s.cumulative[i]}`));
      this.lines.push(`${name}_bucket${labelText(s.labels, ['le', '+Inf'])} ${s.count}`);
      this.lines.push(`${name}_sum${labelText(s.labels)} ${formatValue(s.sum)}`);
      this.lines.push(`${name}_count${labelText(s.labels)} ${s.count}`);
    }
    return this;
  }

  summary(name: string, help: string, series: Iterable<SummarySeries>): this {
    this.head(name, 'summary', help);
    for (const s of series) {
      for (const [q, v] of s.quantiles) this.lines.push(`${name}${labelText(s.labels, ['quantile', formatValue(q)])} ${formatValue(v)}`);
      this.lines.push(`${name}_sum${labelText(s.labels)} ${formatValue(s.sum)}`);
      this.lines.push(`${name}_count${labelText(s.labels)} ${s.count}`);
    }
    return this;
  }

  toString(): string {
    return this.lines.length ? `${this.lines.join('\n')}\n` : '';
  }
}

/** The Content-Type of the text format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
