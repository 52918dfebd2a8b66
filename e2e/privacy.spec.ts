import type { Page } from '@playwright/test';
import { createShare, expect, serverLog, settledRequests, test } from './fixtures';
import type { RecordedRequest } from './fixtures';

// DESIGN.md section 2: a capability travels in the URL fragment only. Once the app has read it,
// it is in no address bar, no history entry, no request the page made, and nothing the server
// logged. The capability texts here are checked without their `origin/#` part.
const capabilityOf = (link: string) => link.slice(link.indexOf('#') + 1);

/** Every URL in this tab's session history (Chromium's Navigation API lists them). */
async function historyUrls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const nav = (window as unknown as { navigation: { entries(): { url: string }[] } }).navigation;
    return nav.entries().map((entry) => entry.url);
  });
}

function leaks(requests: RecordedRequest[], secret: string): string[] {
  return requests
    .filter((r) => [r.url, r.body, ...Object.values(r.headers)].some((v) => v.includes(secret)))
    .map((r) => r.url);
}

test('a capability leaves no trace in the address bar, history, requests or server log', async ({
  page,
  otherContext,
  requests,
}) => {
  const links = await createShare(page);
  const secrets = [links.write, links.read, links.store].map(capabilityOf);
  const origin = new URL(links.read).origin;

  // Opened as a fresh page (first history entry) ...
  const reader = await otherContext.newPage();
  await reader.goto(links.read);
  await expect(reader.getByText('Your role: Read.')).toBeVisible();
  expect(reader.url()).toBe(`${origin}/`);
  // ... and as a link followed from inside the running app (a same-document navigation).
  await reader.goto(`${origin}/`);
  await reader.getByRole('button', { name: /Shared folder / }).click();
  await reader.goto(links.write);
  await expect(reader.getByText('You now have Write access.')).toBeVisible();
  expect(reader.url()).toBe(`${origin}/`);

  const entries = await historyUrls(reader);
  expect(entries.length).toBeGreaterThanOrEqual(2);
  for (const url of entries) expect(url).toBe(`${origin}/`);
  // Back to the entry the first link was opened in, and forward again.
  await reader.goBack();
  expect(reader.url()).toBe(`${origin}/`);
  await reader.goForward();
  expect(reader.url()).toBe(`${origin}/`);
  await reader.reload();
  await expect(reader.getByRole('heading', { name: 'Your shares' })).toBeVisible();
  expect(reader.url()).toBe(`${origin}/`);

  // The creating browser's history holds no capability either.
  for (const url of await historyUrls(page)) expect(url).toBe(`${origin}/`);

  const recorded = await settledRequests(requests);
  expect(recorded.length).toBeGreaterThan(5);
  // The page's own requests and the service worker's precache fetches are both recorded.
  expect(recorded.some((r) => r.url.endsWith('.js'))).toBe(true);
  expect(recorded.some((r) => r.url.endsWith('/sw.js'))).toBe(true);
  expect(recorded.some((r) => r.url.endsWith('/index.html'))).toBe(true);
  for (const secret of secrets) expect(leaks(recorded, secret)).toEqual([]);
  // no-referrer: Chromium may list an empty provisional Referer; none may carry a value.
  expect(recorded.filter((r) => (r.headers.referer ?? '') !== '').map((r) => r.url)).toEqual([]);

  const log = serverLog();
  expect(log).toContain('listening');
  for (const secret of secrets) expect(log).not.toContain(secret);
  for (const prefix of ['pfwrite1', 'pfread1', 'pfstore1']) expect(log).not.toContain(prefix);
});

test('the server sends the headers the app relies on', async ({ request }) => {
  const response = await request.get('/');
  expect(response.status()).toBe(200);
  const headers = response.headers();
  expect(headers['referrer-policy']).toBe('no-referrer');
  expect(headers['content-security-policy']).toContain("script-src 'self' 'wasm-unsafe-eval'");
  expect(headers['content-security-policy']).toContain("style-src 'self'");
});
