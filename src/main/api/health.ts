import type { Blueprint } from '../http/index';
import type { ApiDeps } from './deps';
import { Health } from './schemas';

/** `GET /v1/health`: the one route without a token, for scripts waiting on the server. */
export function healthRoutes(v1: Blueprint, deps: ApiDeps): void {
  v1.get('/health', { summary: 'Liveness and version (no token needed)', tags: ['meta'], schema: { response: { 200: Health } } }, () => ({
    status: 'ok',
    version: deps.version,
  }));
}
