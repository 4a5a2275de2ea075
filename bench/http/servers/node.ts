import { createServer } from 'node:http';
import { bareHandler } from './node-handler';
import { port, ready } from './shared';

const server = createServer(bareHandler);
server.listen(port(), '127.0.0.1', () => {
  const addr = server.address();
  ready(typeof addr === 'object' && addr ? addr.port : 0);
});
