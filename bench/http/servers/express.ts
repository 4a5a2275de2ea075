import express from 'express';
import { BODY_LIMIT, HELLO, RESOURCES, port, ready } from './shared';

// Express 5: express.json with a 1 MiB limit; no prototype-poisoning guard of its own.
const app = express();
app.set('etag', false);
app.set('x-powered-by', false);
app.get('/hello', (_req, res) => {
  res.json(HELLO);
});
app.get('/users/:id', (req, res) => {
  res.json({ id: req.params.id });
});
app.post('/echo', express.json({ limit: BODY_LIMIT }), (req, res) => {
  res.json(req.body);
});
for (const r of RESOURCES) {
  app.get(`/${r}`, (_req, res) => {
    res.json({ items: [] });
  });
  app.get(`/${r}/search`, (_req, res) => {
    res.json({ items: [] });
  });
  app.get(`/${r}/:id`, (req, res) => {
    res.json({ id: req.params.id });
  });
  app.get(`/${r}/:id/sub`, (req, res) => {
    res.json({ id: req.params.id, items: [] });
  });
  app.get(`/${r}/:id/sub/:subId`, (req, res) => {
    res.json({ id: req.params.id, subId: req.params.subId });
  });
}
const server = app.listen(port(), '127.0.0.1', () => {
  const addr = server.address();
  ready(typeof addr === 'object' && addr ? addr.port : 0);
});
