import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { startSignalingServer } from '../signaling/server';
import { expect, screenshot, test } from './fixtures';

interface ManifestIcon {
  src: string;
  sizes: string;
  type: string;
  purpose?: string;
}

/** Width and height from a PNG's IHDR chunk, after checking the signature. */
function pngSize(bytes: Buffer): { width: number; height: number } {
  expect(bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  expect(bytes.subarray(12, 16).toString('ascii')).toBe('IHDR');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

async function waitForServiceWorkerControl(page: Page): Promise<void> {
  await page.waitForFunction(async () => {
    const registration = await navigator.serviceWorker.ready;
    return registration.active?.state === 'activated' && navigator.serviceWorker.controller;
  });
}

test('installable: manifest fields and icons are valid', async ({ page, request }) => {
  await page.goto('/');
  const href = await page.locator('link[rel="manifest"]').getAttribute('href');
  expect(href).toBe('/manifest.webmanifest');
  const response = await request.get(href!);
  expect(response.status()).toBe(200);
  expect(response.headers()['content-type']).toContain('application/manifest+json');
  const manifest = (await response.json()) as Record<string, unknown>;
  expect(manifest).toMatchObject({
    name: 'Peerfold',
    short_name: 'Peerfold',
    start_url: '/',
    scope: '/',
    display: 'standalone',
  });
  expect(manifest.theme_color).toMatch(/^#[0-9a-f]{6}$/);
  const icons = manifest.icons as ManifestIcon[];
  const wanted = [
    { sizes: '192x192', purpose: 'any' },
    { sizes: '512x512', purpose: 'any' },
    { sizes: '512x512', purpose: 'maskable' },
  ];
  for (const want of wanted) {
    expect(icons.some((i) => i.sizes === want.sizes && (i.purpose ?? 'any') === want.purpose)).toBe(
      true,
    );
  }
  for (const icon of icons) {
    const image = await request.get(icon.src);
    expect(image.status(), icon.src).toBe(200);
    expect(image.headers()['content-type']).toBe('image/png');
    const [width, height] = icon.sizes.split('x').map(Number);
    expect(pngSize(await image.body())).toEqual({ width, height });
  }
});

test('the service worker takes over and the app shell works offline', async ({
  page,
  context,
  pageErrors,
}) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Your shares' })).toBeVisible();
  await waitForServiceWorkerControl(page);

  await context.setOffline(true);
  const response = await page.reload();
  expect(response?.fromServiceWorker()).toBe(true);
  await expect(page.getByRole('heading', { name: 'Your shares' })).toBeVisible();
  // Everything before sync works offline: keys are made here, libsodium is in the bundle.
  await page.getByRole('button', { name: 'Create a share' }).click();
  await page.getByRole('button', { name: 'Create share' }).click();
  await expect(page.getByText('Your role: Write.')).toBeVisible();
  await screenshot(page, 'offline-share-page');
  await context.setOffline(false);
  // The share asks the server for its trackers: Playwright's offline mode leaves
  // navigator.onLine true (a really offline browser waits for 'online' first), so the fetch is
  // tried, fails, and Chromium logs that. Nothing else may have gone wrong.
  const offlineFetch = 'console: Failed to load resource: net::ERR_INTERNET_DISCONNECTED';
  const others = pageErrors.filter((e) => e !== offlineFetch);
  pageErrors.splice(0, pageErrors.length, ...others);
});

test('a new version waiting shows an update prompt that reloads into it', async ({ page }) => {
  // A server of its own over a copy of the app, so this test can "deploy" a new version.
  const appDir = mkdtempSync(join(tmpdir(), 'peerfold-e2e-app-'));
  cpSync('dist/app', appDir, { recursive: true });
  const server = await startSignalingServer({ port: 0, host: '127.0.0.1', appDir, log: () => {} });
  try {
    await page.goto(server.url);
    await waitForServiceWorkerControl(page);
    await expect(page.getByText('A new version of Peerfold is ready.')).toHaveCount(0);

    appendFileSync(join(appDir, 'sw.js'), '\n// the next version\n');
    await page.evaluate(async () => (await navigator.serviceWorker.ready).update());
    const banner = page
      .getByRole('status')
      .filter({ hasText: 'A new version of Peerfold is ready.' });
    await expect(banner).toBeVisible();
    await screenshot(page, 'update-prompt');
    await page.evaluate(() => ((window as unknown as Record<string, unknown>).oldPage = true));

    await banner.getByRole('button', { name: 'Reload to update' }).click();
    await page.waitForFunction(() => !('oldPage' in window)); // the page reloaded
    await expect(page.getByText('A new version of Peerfold is ready.')).toHaveCount(0);
    await page.waitForFunction(async () => {
      const registration = await navigator.serviceWorker.getRegistration();
      return registration?.waiting === null && registration.active?.state === 'activated';
    });
    await expect(page.getByRole('heading', { name: 'Your shares' })).toBeVisible();
  } finally {
    await server.close();
    rmSync(appDir, { recursive: true, force: true });
  }
});
