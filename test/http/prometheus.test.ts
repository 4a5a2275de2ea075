import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PrometheusText } from '../../src/main/http/index';

const promtool = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));

function sampleText(): string {
  return new PrometheusText()
    .counter('demo_requests_total', 'Requests, with a \\ backslash\nand a newline in the help.', [[{ path: 'a"b\\c\nd' }, 3]])
    .gauge('demo_temperature_celsius', 'A gauge with no data yet.', [[{}, null]])
    .histogram('demo_duration_seconds', 'A histogram.', [{ labels: { route: '/x' }, bounds: [0.1, 1], cumulative: [1, 2], sum: 1.2, count: 3 }])
    .summary('demo_wait_seconds', 'A summary.', [
      {
        labels: {},
        quantiles: [
          [0.5, 0.2],
          [1, null],
        ],
        sum: 0.4,
        count: 2,
      },
    ])
    .toString();
}

describe('the Prometheus text writer', () => {
  it('escapes label values and help, and writes NaN for missing values', () => {
    const text = sampleText();
    expect(text).toContain('demo_requests_total{path="a\\"b\\\\c\\nd"} 3');
    expect(text).toContain('# HELP demo_requests_total Requests, with a \\\\ backslash\\nand a newline in the help.');
    expect(text).toContain('demo_temperature_celsius NaN');
    expect(text).toContain('demo_duration_seconds_bucket{route="/x",le="+Inf"} 3');
    expect(text).toContain('demo_wait_seconds{quantile="1"} NaN');
    expect(text).toContain('demo_wait_seconds_count 2');
  });

  it('refuses what Prometheus would reject: a counter without _total, a family twice, a bad label name', () => {
    expect(() => new PrometheusText().counter('demo_requests', 'x', [])).toThrow(/_total/);
    expect(() => new PrometheusText().gauge('a', 'x', []).gauge('a', 'x', [])).toThrow(/twice/);
    expect(() => new PrometheusText().gauge('a', 'x', [[{ 'bad-name': 'v' }, 1]])).toThrow(/label name/);
  });

  it.skipIf(!promtool)(`passes promtool check metrics${promtool ? '' : ' (SKIPPED: promtool is not installed)'}`, () => {
    const r = spawnSync(promtool!, ['check', 'metrics'], { input: sampleText(), encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
