import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { BODY_LIMIT, HELLO, RESOURCES, port, ready } from './shared';

// Hono has no prototype-poisoning guard; the body limit is its bodyLimit middleware.
const app = new Hono();
app.get('/hello', (c) => c.json(HELLO));
app.get('/users/:id', (c) => c.json({ id: c.req.param('id') }));
app.post('/echo', bodyLimit({ maxSize: BODY_LIMIT }), async (c) => c.json(await c.req.json()));
for (const r of RESOURCES) {
  app.get(`/${r}`, (c) => c.json({ items: [] }));
  app.get(`/${r}/search`, (c) => c.json({ items: [] }));
  app.get(`/${r}/:id`, (c) => c.json({ id: c.req.param('id') }));
  app.get(`/${r}/:id/sub`, (c) => c.json({ id: c.req.param('id'), items: [] }));
  app.get(`/${r}/:id/sub/:subId`, (c) => c.json({ id: c.req.param('id'), subId: c.req.param('subId') }));
}
const server = serve({ fetch: app.fetch, port: port(), hostname: '127.0.0.1' }, (info) => ready(info.port));
void server;
