// Says on stderr when the main thread was blocked long enough for people to notice: while it
// is, the API answers nothing, and a keep-alive client whose request waited past the socket's
// idle timeout sees its connection reset. A timer that fires late by more than the threshold
// measures the stall; it costs one wake-up per interval and keeps the process alive not at all.

export interface StallWatch {
  stop(): void;
}

export function watchStalls(report: (ms: number) => void, thresholdMs = 1000, intervalMs = 250): StallWatch {
  let expected = performance.now() + intervalMs;
  const timer = setInterval(() => {
    const now = performance.now();
    const late = now - expected;
    if (late > thresholdMs) report(Math.round(late));
    expected = now + intervalMs;
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
