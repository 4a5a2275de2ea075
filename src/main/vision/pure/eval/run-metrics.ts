/**
 * The exact metrics shape of `GET /v1/runs/:id` (API.md), cut from a full report so that
 * the route answers with the contract's fields and nothing the contract doesn't name.
 */
import type { EvaluationReport } from './metrics';

export interface RunMetrics {
  accuracy: number;
  perClass: Record<string, { precision: number; recall: number; f1: number }>;
  confusion: { labels: string[]; matrix: number[][] };
}

export function toRunMetrics(report: EvaluationReport): RunMetrics {
  return {
    accuracy: report.accuracy,
    perClass: Object.fromEntries(Object.entries(report.perClass).map(([label, m]) => [label, { precision: m.precision, recall: m.recall, f1: m.f1 }])),
    confusion: { labels: [...report.confusion.labels], matrix: report.confusion.matrix.map((row) => [...row]) },
  };
}
