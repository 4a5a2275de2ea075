import type { Context } from './context';

export interface SseOptions {
  /** Sends a comment line this often so proxies and clients keep the stream open. Default 15 s; 0 disables. */
  keepAliveMs?: number;
  /** Suggested client reconnection delay (the `retry:` field). */
  retryMs?: number;
}

export interface SseEvent {
  event?: string;
  id?: string;
}

/** A server-sent events stream bound to one response. */
export class SseStream {
  private readonly ctx: Context;
  private timer: NodeJS.Timeout | null = null;
  closed = false;
  private readonly closeHandlers: (() => void)[] = [];

  constructor(ctx: Context, opts: SseOptions = {}) {
    this.ctx = ctx;
    const res = ctx.res;
    res.statusCode = 200;
    res.setHeader('content-type', 'text/event-stream; charset=utf-8');
    res.setHeader('cache-control', 'no-cache, no-transform');
    res.setHeader('x-accel-buffering', 'no');
    res.flushHeaders();
    if (opts.retryMs) res.write(`retry: ${Math.floor(opts.retryMs)}\n\n`);
    const every = opts.keepAliveMs ?? 15_000;
    if (every > 0) {
      this.timer = setInterval(() => this.comment('keep-alive'), every);
      this.timer.unref();
    }
    res.once('close', () => this.teardown());
  }

  /** Sends one event; objects are JSON-encoded. Returns false when the client is buffering (backpressure). */
  send(data: unknown, opts: SseEvent = {}): boolean {
    if (this.closed) return false;
    let out = '';
    if (opts.id !== undefined) out += `id: ${oneLine(opts.id)}\n`;
    if (opts.event !== undefined) out += `event: ${oneLine(opts.event)}\n`;
    const text = typeof data === 'string' ? data : JSON.stringify(data);
    for (const line of text.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
    return this.ctx.res.write(`${out}\n`);
  }

  comment(text: string): void {
    if (!this.closed) this.ctx.res.write(`: ${oneLine(text)}\n\n`);
  }

  /** Resolves when the client has drained what was buffered. */
  drained(): Promise<void> {
    const res = this.ctx.res;
    if (!res.writableNeedDrain || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.once('drain', done);
      res.once('close', done);
    });
  }

  onClose(fn: () => void): void {
    if (this.closed) fn();
    else this.closeHandlers.push(fn);
  }

  close(): void {
    if (!this.closed) this.ctx.res.end();
    this.teardown();
  }

  private teardown(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const fn of this.closeHandlers.splice(0)) fn();
  }
}

function oneLine(s: string): string {
  return s.replace(/[\r\n]/g, ' ');
}
