export { createApiApp, type ApiServerOptions } from './server';
export { Metrics } from './metrics';
export { type ApiDeps, PageQuery } from './deps';
export { issueSession, verifySession, SESSION_COOKIE } from './session';
