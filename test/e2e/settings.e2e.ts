import { test, expect } from '@playwright/test';
import { startLoupe, type LoupeServer } from './loupe-server';

/*
 * Settings → Local API in the browser shell: the token is shown on demand, regenerated, and
 * the old one refused. A server of its own: the shared one must keep its token for other files.
 */

let loupe: LoupeServer;
test.beforeAll(async () => {
  test.setTimeout(240_000);
  loupe = await startLoupe();
});
test.afterAll(async () => {
  await loupe.stop();
});

test('regenerating the token in Settings makes the API refuse the old one', async ({ page }) => {
  await page.goto(`${loupe.url}/#token=${loupe.token}`);
  const nav = page.getByRole('navigation', { name: 'Pages' });
  await expect(nav).toBeVisible({ timeout: 30_000 });
  await page.keyboard.press('Alt+6');
  await expect(page.getByRole('heading', { name: 'Settings' })).toBeVisible();
  await expect(page.getByTestId('api-url')).toHaveText(loupe.url);

  const token = page.getByTestId('api-token');
  await expect(token).not.toContainText(loupe.token);
  await page.getByRole('button', { name: 'Reveal' }).click();
  await expect(token).toHaveText(loupe.token);

  const datasets = (t: string) => page.request.get(`${loupe.url}/v1/datasets`, { headers: { authorization: `Bearer ${t}` } });
  expect((await datasets(loupe.token)).status()).toBe(200);

  await page.getByRole('button', { name: 'Regenerate…' }).click();
  const dialog = page.getByRole('alertdialog', { name: 'Regenerate the API token?' });
  await dialog.getByRole('button', { name: 'Regenerate' }).click();
  await expect(dialog).toBeHidden();
  await expect(token).not.toHaveText(loupe.token);
  const fresh = (await token.textContent())!.trim();
  expect(fresh).toMatch(/^[0-9a-f]{64}$/);

  const old = await datasets(loupe.token);
  expect(old.status()).toBe(401);
  expect(await old.json()).toMatchObject({ error: { code: 'unauthorized' } });
  expect((await datasets(fresh)).status()).toBe(200);

  // The page renewed its own session: a reload still signs in without any token in the address.
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Settings' })).toBeVisible({ timeout: 20_000 });

  // Allowed origins: added here, honoured by CORS at once.
  await page.getByLabel('New allowed origin').fill('http://localhost:5173/some/page');
  await page.getByRole('button', { name: 'Allow' }).click();
  await expect(page.getByRole('list', { name: 'Allowed origins' })).toContainText('http://localhost:5173');
  const cors = await page.request.get(`${loupe.url}/v1/health`, { headers: { origin: 'http://localhost:5173' } });
  expect(cors.headers()['access-control-allow-origin']).toBe('http://localhost:5173');
  await page.getByRole('button', { name: 'Remove http://localhost:5173' }).click();
  await expect(page.getByText(/CORS closed/)).toBeVisible();
});

test('Lobe Connect: off by default, says what it opens, and serves predict without a token when on', async ({ page }) => {
  // A server of its own on a free Lobe Connect port (38100 may be taken on a test machine).
  const lobe = await startLoupe({ env: { LOUPE_LOBE_CONNECT_PORT: '0' } });
  try {
    await page.goto(`${lobe.url}/#token=${lobe.token}`);
    await expect(page.getByRole('navigation', { name: 'Pages' })).toBeVisible({ timeout: 30_000 });
    await page.keyboard.press('Alt+6');
    const toggle = page.getByLabel('Lobe Connect');
    await expect(toggle).not.toBeChecked();
    await expect(page.getByTestId('lobe-connect-state')).toHaveText('Off.');
    await expect(page.getByText(/without a token/)).toBeVisible();
    await expect(page.getByText(/127\.0\.0\.1:38100/)).toBeVisible();

    await toggle.check();
    const state = page.getByTestId('lobe-connect-state');
    await expect(state).toHaveText(/^On: http:\/\/127\.0\.0\.1:\d+$/);
    const url = (await state.textContent())!.replace(/^On: /, '');
    // No token: the predict route answers (404 for a model that does not exist), nothing else is there.
    const predict = await page.request.post(`${url}/predict/42`, { data: { image: 'aGVsbG8=' } });
    expect(predict.status()).toBe(404);
    expect(await predict.json()).toMatchObject({ error: { code: 'not_found' } });
    expect((await page.request.get(`${url}/v1/datasets`)).status()).toBe(404);

    // Remembered across a reload; turning it off closes the port.
    await page.reload();
    await expect(page.getByLabel('Lobe Connect')).toBeChecked({ timeout: 20_000 });
    await page.getByLabel('Lobe Connect').uncheck();
    await expect(page.getByTestId('lobe-connect-state')).toHaveText('Off.');
    await expect(page.request.post(`${url}/predict/42`, { data: { image: 'aGVsbG8=' } })).rejects.toThrow();
  } finally {
    await lobe.stop();
  }
});
