import type { Context } from './context';

/**
 * Handler timeouts without a timer per request: in-flight async requests sit in an
 * intrusive doubly linked list (links live on the Context, so adding and removing
 * allocate nothing and finished requests are released at once), and one coarse interval
 * walks the list, which only ever holds the requests in flight.
 */
export class Deadlines {
  private head: Context | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly onExpire: (ctx: Context) => void;
  private readonly tickMs: number;

  constructor(onExpire: (ctx: Context) => void, tickMs: number) {
    this.onExpire = onExpire;
    this.tickMs = tickMs;
  }

  add(ctx: Context, timeoutMs: number): void {
    ctx.deadline = Date.now() + timeoutMs;
    const h = this.head;
    ctx.dlNext = h;
    ctx.dlPrev = null;
    if (h !== null) h.dlPrev = ctx;
    this.head = ctx;
    ctx.dlLinked = true;
    if (this.timer === null) {
      this.timer = setInterval(() => this.tick(), this.tickMs);
      this.timer.unref();
    }
  }

  remove(ctx: Context): void {
    if (!ctx.dlLinked) return;
    ctx.dlLinked = false;
    const p = ctx.dlPrev;
    const n = ctx.dlNext;
    if (p !== null) p.dlNext = n;
    else this.head = n;
    if (n !== null) n.dlPrev = p;
    ctx.dlPrev = ctx.dlNext = null;
  }

  private tick(): void {
    const now = Date.now();
    let c = this.head;
    while (c !== null) {
      const next = c.dlNext;
      if (c.responded) this.remove(c);
      else if (c.deadline <= now) {
        this.remove(c);
        this.onExpire(c);
      }
      c = next;
    }
    if (this.head === null && this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}
