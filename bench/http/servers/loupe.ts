import { buildLoupeApp } from './loupe-app';
import { port, ready } from './shared';

const { port: p } = await buildLoupeApp().listen({ port: port(), host: '127.0.0.1' });
ready(p);
