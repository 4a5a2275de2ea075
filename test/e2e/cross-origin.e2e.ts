import { createServer, type Server } from 'node:http';
import type { APIRequestContext } from '@playwright/test';
import { test, expect, createDataset, labelCount } from './fixtures';

/*
 * Cross-port CSRF in a real Chromium (issue 12, item 8): SameSite=Strict cookies reach
 * every port of 127.0.0.1, so a page another local program serves carries Loupe's session
 * cookie. Its form posts and credentialed fetches must be refused, while Loupe's own page,
 * signed in with the same cookie, keeps working.
 */

test.use({ loupeEnv: { LOUPE_AUTO_TRAIN: '0' } });

let evil: Server;
let evilUrl: string;
const pages: Record<string, string> = {};
test.beforeAll(async () => {
  evil = createServer((req, res) => {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(pages[req.url ?? '/'] ?? 'nothing here');
  });
  await new Promise<void>((ok) => evil.listen(0, '127.0.0.1', ok));
  const addr = evil.address();
  evilUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});
test.afterAll(async () => {
  await new Promise((ok) => evil.close(ok));
});

function api(request: APIRequestContext, url: string, token: string) {
  const headers = { authorization: `Bearer ${token}` };
  return {
    post: async (path: string, data: unknown) => (await request.post(`${url}${path}`, { headers, data })).json(),
    get: async (path: string) => (await request.get(`${url}${path}`, { headers })).json(),
  };
}

test('a page on another local port cannot upload, cancel or retry with the cookie; Loupe’s own page still can', async ({
  app: page,
  loupe,
  request,
  context,
}) => {
  const loupeApi = api(request, loupe.url, loupe.token);
  await createDataset(page, 'Guarded'); // signed in: the cookie is set, the page works over /ipc
  const dataset = ((await loupeApi.get('/v1/datasets')).items as Array<{ id: string; name: string }>).find((d) => d.name === 'Guarded')!.id;
  const runAt = new Date(Date.now() + 3_600_000).toISOString();
  const later = async () => (await loupeApi.post('/v1/tasks', { kind: 'script', input: { source: '1' }, runAt })).id as string;
  const [byForm, byFetch] = [await later(), await later()];
  const cancelled = await later();
  await loupeApi.post(`/v1/tasks/${cancelled}/cancel`, {});

  // 1. Credentialed fetches: an upload, a cancel, a retry, a training start, a new dataset.
  pages['/fetch'] = `<!doctype html><script>
    const L = ${JSON.stringify(loupe.url)};
    const send = (path, init) => fetch(L + path, { method: 'POST', credentials: 'include', mode: 'no-cors', ...init }).catch(() => null);
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array([137, 80, 78, 71])], { type: 'image/png' }), 'x.png');
    Promise.all([
      send('/v1/datasets/${dataset}/images', { body: form }),
      send('/v1/tasks/${byFetch}/cancel'),
      send('/v1/tasks/${cancelled}/retry'),
      send('/v1/datasets/${dataset}/train', { body: '{}' }),
      send('/v1/datasets', { body: JSON.stringify({ name: 'Planted' }) }),
    ]).then(() => { document.title = 'sent'; });
  </script>`;
  const attacker = await context.newPage(); // same browser profile: it holds Loupe's cookie
  await attacker.goto(`${evilUrl}/fetch`);
  await expect(attacker).toHaveTitle('sent');

  // 2. A plain form post, the classic CSRF: the browser navigates to Loupe's answer.
  pages['/form'] = `<!doctype html><form method="post" action="${loupe.url}/v1/tasks/${byForm}/cancel"></form>
    <script>document.forms[0].submit()</script>`;
  await attacker.goto(`${evilUrl}/form`);
  await attacker.waitForURL(`${loupe.url}/v1/tasks/${byForm}/cancel`);
  // 403 cross_origin, not 401: the cookie did travel, and was refused for where it came from.
  const answer = JSON.parse((await attacker.locator('body').innerText()).trim()) as { error: { code: string } };
  expect(answer.error.code).toBe('cross_origin');

  expect((await loupeApi.get(`/v1/tasks/${byForm}`)).state).toBe('queued');
  expect((await loupeApi.get(`/v1/tasks/${byFetch}`)).state).toBe('queued');
  expect((await loupeApi.get(`/v1/tasks/${cancelled}`)).state).toBe('cancelled');
  expect((await loupeApi.get(`/v1/datasets/${dataset}/images`)).items).toEqual([]);
  expect((await loupeApi.get(`/v1/datasets/${dataset}/runs`)).items).toEqual([]);
  expect(((await loupeApi.get('/v1/datasets')).items as Array<{ name: string }>).map((d) => d.name)).not.toContain('Planted');
  await attacker.close();

  // Loupe's own page, after a reload (signed in by the cookie alone), still acts: socket and upload.
  await page.reload();
  await createDataset(page, 'Still works');
  await page.evaluate(async () => {
    const canvas = document.createElement('canvas');
    canvas.width = 8;
    canvas.height = 8;
    canvas.getContext('2d')!.fillRect(0, 0, 8, 8);
    const blob = await new Promise<Blob>((ok) => canvas.toBlob((b) => ok(b!), 'image/png'));
    const dt = new DataTransfer();
    dt.items.add(new File([blob], 'own.png', { type: 'image/png' }));
    document.querySelector('.drop-zone')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  });
  await expect(page.getByRole('status').filter({ hasText: 'Added 1 picture' })).toBeVisible({ timeout: 60_000 });
  await expect(labelCount(page, 'all')).toHaveText('1');
});
