import type { Blueprint } from '../http/index';
import type { ApiDeps } from './deps';
import { Health } from './schemas';

/**
 * `GET /v1/health`: the one route without a token, for scripts waiting on the server. The
 * server answering is `status`; whether it can embed, train and predict is `backbone`
 * ("ready" | "loading" | "missing"), with the message and the one command that fixes a
 * missing one. A server without its backbone is `degraded`, never plainly "ok".
 */
export function healthRoutes(v1: Blueprint, deps: ApiDeps): void {
  v1.get(
    '/health',
    { summary: 'Liveness, version and whether the backbone is installed (no token needed)', tags: ['meta'], schema: { response: { 200: Health } } },
    () => {
      const b = deps.backbone?.() ?? { state: 'missing' as const, id: null, message: 'No vision service is running.', fix: null };
      return {
        status: b.state === 'missing' ? 'degraded' : 'ok',
        version: deps.version,
        backbone: b.state,
        backboneId: b.id,
        backboneVariant: b.variant ?? null,
        backboneNote: b.note ?? null,
        broker: deps.broker?.kind ?? 'sqlite',
        message: b.message,
        fix: b.fix,
      };
    },
  );
}
