// Two projects: 'node' runs every test/**/*.test.ts in Node; 'browser' runs the
// test/**/*.browser.test.ts files (the browser storage adapters against the same contract suites,
// the Peerfold wire over real WebRTC) in real headless Chromium through Playwright.
import { existsSync } from 'node:fs';
import { playwright } from '@vitest/browser-playwright';
import { chromium } from 'playwright';
import { configDefaults, defineConfig } from 'vitest/config';

const BROWSER_TESTS = 'test/**/*.browser.test.ts';

/**
 * Playwright's own Chromium where it is installed (a developer's machine), else the system's
 * (Debian's /usr/bin/chromium: Playwright cannot download browsers here, DESIGN.md section 11).
 * PEERFOLD_CHROMIUM overrides both.
 */
function chromiumPath(): string | undefined {
  const candidates = [
    process.env.PEERFOLD_CHROMIUM,
    chromium.executablePath(),
    '/usr/bin/chromium',
  ];
  return candidates.find((p): p is string => p !== undefined && p !== '' && existsSync(p));
}

const shared = {
  testTimeout: 60_000,
  hookTimeout: 60_000,
  setupFiles: ['test/setup.ts'],
};

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          ...shared,
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, BROWSER_TESTS],
        },
      },
      {
        // Pre-bundled up front: a dependency found mid-run makes Vite reload the page.
        optimizeDeps: {
          include: [
            'idb-keyval',
            'libsodium-wrappers',
            'bittorrent-protocol',
            'streamx',
            '@thaunknown/simple-peer/lite.js',
            'bittorrent-tracker/client',
          ],
        },
        // bittorrent-tracker's client reads `process.browser`, set by browserify-era bundlers.
        define: { 'process.browser': 'true' },
        // streamx (under bittorrent-protocol and simple-peer) requires Node's `events`, which
        // Vite does not polyfill: bare-events, the emitter events-universal itself uses outside
        // Node (installed with it), stands in.
        resolve: { alias: { events: 'bare-events' } },
        test: {
          ...shared,
          name: 'browser',
          include: [BROWSER_TESTS],
          // The signaling server (Node) that browser tests reach as a WebSocket tracker.
          globalSetup: ['test/net/signaling-global-setup.ts'],
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            provider: playwright({
              launchOptions: {
                executablePath: chromiumPath(),
                args: [
                  '--no-sandbox',
                  '--disable-gpu',
                  '--disable-background-networking',
                  '--disable-component-update',
                  '--disable-sync',
                  '--disable-features=WebRtcHideLocalIpsWithMdns',
                ],
              },
            }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
});
