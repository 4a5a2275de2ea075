import Fastify from 'fastify';
import { BODY_LIMIT, HELLO, RESOURCES, port, ready } from './shared';

// Fastify's defaults: 1 MiB body limit, secure-json-parse prototype-poisoning guard ('error').
const app = Fastify({ logger: false, bodyLimit: BODY_LIMIT });
app.get('/hello', async () => HELLO);
app.get('/users/:id', async (req) => ({ id: (req.params as { id: string }).id }));
app.post('/echo', async (req) => req.body);
for (const r of RESOURCES) {
  app.get(`/${r}`, async () => ({ items: [] }));
  app.get(`/${r}/search`, async () => ({ items: [] }));
  app.get(`/${r}/:id`, async (req) => ({ id: (req.params as { id: string }).id }));
  app.get(`/${r}/:id/sub`, async (req) => ({ id: (req.params as { id: string }).id, items: [] }));
  app.get(`/${r}/:id/sub/:subId`, async (req) => {
    const p = req.params as { id: string; subId: string };
    return { id: p.id, subId: p.subId };
  });
}
await app.listen({ port: port(), host: '127.0.0.1' });
const addr = app.server.address();
ready(typeof addr === 'object' && addr ? addr.port : 0);
