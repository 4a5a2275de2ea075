import { z } from 'zod';
import type { Blueprint } from '../http/index';
import type { ScriptService } from '../services/scripts/index';
import { ScriptAnswer } from './schemas';

/** Longest `timeoutMs` of a direct run (docs/api.md says the same; longer work is a `script` task). */
export const MAX_RUN_TIMEOUT_MS = 60_000;

const RunScript = z
  .object({
    source: z.string().max(1_000_000),
    timeoutMs: z.number().int().min(1).max(MAX_RUN_TIMEOUT_MS).optional(),
  })
  .strict();

/**
 * `POST /v1/scripts/run`: runs a script in a script child process and answers its output
 * and final value when it ends (5 s by default, 60 s at most). The server keeps serving
 * other requests meanwhile.
 */
export function scriptApiRoutes(scripts: ScriptService) {
  return (v1: Blueprint): void => {
    v1.post(
      '/scripts/run',
      {
        summary: 'Run a script and answer its output and value',
        tags: ['scripts'],
        schema: { body: RunScript, response: { 200: ScriptAnswer } },
        timeoutMs: 75_000,
      },
      async (ctx) => {
        const { source, timeoutMs } = ctx.valid.body;
        // A client that goes away stops its script.
        const r = await scripts.runNow(source, timeoutMs ?? 5_000, ctx.signal);
        if (!r.ok) {
          // API.md puts the position beside the message, not under `details`.
          ctx.sendJson({ error: { code: 'script_error', message: r.error.message, line: r.error.line, column: r.error.column, output: r.output } }, 422);
          return undefined;
        }
        return { output: r.output, value: r.value ?? null };
      },
    );
  };
}
