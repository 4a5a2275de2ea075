// Express 5 ships no types and @types/express is not installed; this is the little the
// benchmark server uses.
declare module 'express' {
  import type { IncomingMessage, Server, ServerResponse } from 'node:http';
  interface Request extends IncomingMessage {
    params: Record<string, string>;
    body: unknown;
  }
  interface Response extends ServerResponse {
    json(value: unknown): void;
  }
  type Handler = (req: Request, res: Response, next: () => void) => void;
  interface Express {
    set(name: string, value: unknown): void;
    get(path: string, ...handlers: Handler[]): void;
    post(path: string, ...handlers: Handler[]): void;
    listen(port: number, host: string, cb: () => void): Server;
  }
  interface ExpressFn {
    (): Express;
    json(opts: { limit: number }): Handler;
  }
  const express: ExpressFn;
  export default express;
}
