// The data commands' HTTP client for the local API (API.md), over loopback with the token.
// API errors become CliErrors with the exit code that fits their status, and the server's
// own sentence.
import { CliError, EXIT } from './exit';
import type { Connection } from './connection';

export class ApiError extends CliError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(status === 404 ? EXIT.notFound : status === 400 || status === 422 ? EXIT.usage : EXIT.failed, message);
  }
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export class ApiClient {
  constructor(private readonly conn: Pick<Connection, 'url' | 'token'>) {}

  async request(
    method: string,
    path: string,
    init: { json?: unknown; body?: Uint8Array | FormData; contentType?: string; timeoutMs?: number } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.conn.token}` };
    let body: string | Uint8Array | FormData | undefined;
    if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    } else if (init.body !== undefined) {
      if (init.contentType) headers['content-type'] = init.contentType;
      body = init.body;
    }
    let res: Response;
    try {
      res = await fetch(this.conn.url + path, { method, headers, body, signal: AbortSignal.timeout(init.timeoutMs ?? 300_000) });
    } catch (err) {
      throw new CliError(EXIT.busy, `no answer from Loupe at ${this.conn.url} (${(err as Error).message}).`);
    }
    if (!res.ok) {
      let code = 'error';
      let message = `${method} ${path} answered ${res.status}.`;
      try {
        const e = (await res.json()) as { error?: { code?: string; message?: string } };
        code = e.error?.code ?? code;
        message = e.error?.message ?? message;
      } catch {
        // not JSON: keep the status line
      }
      throw new ApiError(res.status, code, message);
    }
    return res;
  }

  async json<T>(method: string, path: string, json?: unknown): Promise<T> {
    const res = await this.request(method, path, json === undefined ? {} : { json });
    return (res.status === 204 ? undefined : await res.json()) as T;
  }

  /** Every item of a paged list (API.md: ?limit, ?cursor). */
  async all<T>(path: string): Promise<T[]> {
    const out: T[] = [];
    let cursor: string | null = null;
    const sep = path.includes('?') ? '&' : '?';
    do {
      const page: Page<T> = await this.json<Page<T>>('GET', `${path}${sep}limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      out.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return out;
  }
}
