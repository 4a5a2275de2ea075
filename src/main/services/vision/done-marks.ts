/**
 * How far the pipeline knows each dataset is done, so that the embed task and the look after
 * it (`Pipeline.lags`) ask only about pictures past that point.
 *
 * Why: an import stores pictures one by one and each embed task ends when it has caught up,
 * so a long import runs hundreds of short tasks. Each asked about the whole dataset twice (the
 * progress count, 21 ms, and "is anything missing?", 33 ms, at 50,000 pictures), so the
 * import's cost grew with its square and the event loop stalled once per task.
 *
 * - `embedded`: every picture with an id up to it has a vector for `backbone`;
 * - `predicted`: every one of those with a vector has `modelId`'s prediction.
 * Both stay true: ids only grow (migration 004), vectors are never deleted, and the active
 * model's predictions are only removed with their picture. A new backbone or a new active
 * model starts its mark over. Kept in memory: after a restart the first task (the start-up
 * sweep's) looks at everything once.
 */
export class DoneMarks {
  private readonly marks = new Map<string, { backbone: string; embedded: string; modelId: string; predicted: string }>();

  embeddedThrough(datasetId: string, backbone: string): string {
    const m = this.marks.get(datasetId);
    return m?.backbone === backbone ? m.embedded : '0';
  }

  predictedThrough(datasetId: string, backbone: string, modelId: string): string {
    const m = this.marks.get(datasetId);
    return m?.backbone === backbone && m.modelId === modelId ? m.predicted : '0';
  }

  /** Every picture up to `id` has its vector for `backbone` (never moves a mark back). */
  embeddedUpTo(datasetId: string, backbone: string, id: string): void {
    const m = this.marks.get(datasetId);
    if (m?.backbone !== backbone) this.marks.set(datasetId, { backbone, embedded: id, modelId: '', predicted: '0' });
    else if (Number(id) > Number(m.embedded)) m.embedded = id;
  }

  /** Every embedded picture up to `id` has `modelId`'s prediction. */
  predictedUpTo(datasetId: string, backbone: string, modelId: string, id: string): void {
    const m = this.marks.get(datasetId);
    if (m?.backbone !== backbone) this.marks.set(datasetId, { backbone, embedded: '0', modelId, predicted: id });
    else if (m.modelId !== modelId) Object.assign(m, { modelId, predicted: id });
    else if (Number(id) > Number(m.predicted)) m.predicted = id;
  }
}
