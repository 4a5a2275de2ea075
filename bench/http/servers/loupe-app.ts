import { App } from '../../../src/main/http';
import { BODY_LIMIT, HELLO, RESOURCES } from './shared';

/** Loupe's benchmark app, as a user would write it; served by loupe.ts, called in-process by overhead.ts. */
export function buildLoupeApp(): App {
  const app = new App({ bodyLimit: BODY_LIMIT, onError: () => undefined });
  app.get('/hello', () => HELLO);
  app.get('/users/:id', (ctx) => ({ id: ctx.params.id }));
  app.post('/echo', (ctx) => ctx.json());
  for (const r of RESOURCES) {
    app.get(`/${r}`, () => ({ items: [] }));
    app.get(`/${r}/search`, () => ({ items: [] }));
    app.get(`/${r}/:id`, (ctx) => ({ id: ctx.params.id }));
    app.get(`/${r}/:id/sub`, (ctx) => ({ id: ctx.params.id, items: [] }));
    app.get(`/${r}/:id/sub/:subId`, (ctx) => ({ id: ctx.params.id, subId: ctx.params.subId }));
  }
  return app;
}
