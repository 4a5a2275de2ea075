export { createApiApp, type ApiServerOptions } from './server';
export { Metrics } from './metrics';
export { type ApiDeps, PageQuery } from './deps';
export { SESSION_COOKIE } from './auth';
