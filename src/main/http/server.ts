import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';

/** Connection-level limits. Node's defaults leave some off or very long; these are explicit. */
export interface ServerLimits {
  /** Time to receive the request headers. Default 10 s (slowloris guard). */
  headersTimeoutMs?: number;
  /** Time to receive the whole request, body included. Default 60 s (Node: 300 s; Fastify: off). */
  requestTimeoutMs?: number;
  /** Idle time before a keep-alive socket is closed. Default 5 s. */
  keepAliveTimeoutMs?: number;
  /** Largest header block in bytes. Default 16 KiB; larger is a 431. */
  maxHeaderSize?: number;
  /** Most header lines kept per request. Default 100. */
  maxHeadersCount?: number;
  /** How often Node checks the two timeouts above. Default 1 s; tests use less. */
  connectionsCheckingIntervalMs?: number;
}

export const DEFAULT_LIMITS: Required<ServerLimits> = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 5_000,
  maxHeaderSize: 16 * 1024,
  maxHeadersCount: 100,
  connectionsCheckingIntervalMs: 1_000,
};

export function buildServer(limits: ServerLimits): Server {
  const l = { ...DEFAULT_LIMITS, ...limits };
  const server = createServer({
    requestTimeout: l.requestTimeoutMs,
    headersTimeout: Math.min(l.headersTimeoutMs, l.requestTimeoutMs || l.headersTimeoutMs),
    keepAliveTimeout: l.keepAliveTimeoutMs,
    maxHeaderSize: l.maxHeaderSize,
    connectionsCheckingInterval: l.connectionsCheckingIntervalMs,
    noDelay: true,
  });
  server.keepAliveTimeout = l.keepAliveTimeoutMs;
  server.maxHeadersCount = l.maxHeadersCount;
  server.on('clientError', onClientError);
  return server;
}

/**
 * Parser and timeout errors never reach a handler; Node would answer them with a bare
 * text 400. Answer with the same JSON shape as every other error, then close.
 */
export function onClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  const code = err.code ?? '';
  // A parse error inside a body arrives while its request is being handled; the answer can
  // still be a JSON 400 as long as nothing of the handler's answer went out yet.
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (code === 'ECONNRESET' || !socket.writable || (inFlight && inFlight.headersSent !== false)) {
    socket.destroy();
    return;
  }
  if (inFlight) (inFlight as { headersSent?: boolean; _header?: string })._header = 'sent';
  let status = 400;
  let reason = 'Bad Request';
  let body = '{"error":{"code":"bad_request","message":"The request could not be parsed as HTTP."}}';
  if (code === 'HPE_HEADER_OVERFLOW') {
    status = 431;
    reason = 'Request Header Fields Too Large';
    body = '{"error":{"code":"headers_too_large","message":"The request headers are too large."}}';
  } else if (code === 'ERR_HTTP_REQUEST_TIMEOUT' || code === 'ERR_HTTP_HEADERS_TIMEOUT') {
    status = 408;
    reason = 'Request Timeout';
    body = '{"error":{"code":"request_timeout","message":"The request took too long to arrive."}}';
  } else if (code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW') {
    status = 413;
    reason = 'Payload Too Large';
    body = '{"error":{"code":"payload_too_large","message":"Chunk extensions are too large."}}';
  }
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  socket.destroySoon?.();
  setTimeout(() => socket.destroy(), 1000).unref();
}
