import { z } from 'zod';
import type { Blueprint } from '../http/index';
import type { ScriptService } from '../services/scripts/index';
import { ScriptAnswer } from './schemas';

const RunScript = z
  .object({
    source: z.string().max(1_000_000),
    // docs/api.md: 5 s by default, 10 s at most (it runs while the request waits).
    timeoutMs: z.number().int().min(1).max(10_000).optional(),
  })
  .strict();

/**
 * `POST /v1/scripts/run`: runs a script in a worker thread and answers its output and
 * final value when it ends (5 s by default, 10 s at most; longer work belongs in a
 * `script` task). The server keeps serving other requests meanwhile.
 */
export function scriptApiRoutes(scripts: ScriptService) {
  return (v1: Blueprint): void => {
    v1.post('/scripts/run', { summary: 'Run a script and answer its output and value', tags: ['scripts'], schema: { body: RunScript, response: { 200: ScriptAnswer } }, timeoutMs: 75_000 }, async (ctx) => {
      const { source, timeoutMs } = ctx.valid.body;
      // A client that goes away stops its script.
      const r = await scripts.runNow(source, timeoutMs ?? 5_000, ctx.signal);
      if (!r.ok) {
        // API.md puts the position beside the message, not under `details`.
        ctx.sendJson({ error: { code: 'script_error', message: r.error.message, line: r.error.line, column: r.error.column, output: r.output } }, 422);
        return undefined;
      }
      return { output: r.output, value: r.value ?? null };
    });
  };
}
