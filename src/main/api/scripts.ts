import { z } from 'zod';
import type { Blueprint } from '../http/index';
import { runProgram } from '../lang/index';

const RunScript = z
  .object({
    source: z.string().max(1_000_000),
    timeoutMs: z.number().int().min(1).max(10_000).optional(),
  })
  .strict();

/**
 * `POST /v1/scripts/run`: runs a script here and now and answers its output and final
 * value. It runs on the server's own thread, so it is held to a short timeout (5 s by
 * default, 10 s at most); longer work belongs in a `script` task.
 */
export function scriptRoutes(v1: Blueprint): void {
  v1.post('/scripts/run', { summary: 'Run a script and answer its output and value', tags: ['scripts'], schema: { body: RunScript } }, (ctx) => {
    const { source, timeoutMs } = ctx.valid.body;
    const r = runProgram(source, { timeoutMs: timeoutMs ?? 5_000 });
    if (r.error) {
      // API.md puts the position beside the message, not under `details`.
      ctx.sendJson({ error: { code: 'script_error', message: r.error.message, line: r.error.line, column: r.error.column, output: r.stdout } }, 422);
      return undefined;
    }
    return { output: r.stdout, value: r.value ?? null };
  });
}
