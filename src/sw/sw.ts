// The service worker, kept thin (DESIGN.md section 1): precache the app shell that Vite built
// (the list is injected at build time by vite-plugin-pwa), answer every navigation with the
// cached index.html so the app opens offline, and take over only when the page asks.
import {
  cleanupOutdatedCaches,
  createHandlerBoundToURL,
  precacheAndRoute,
} from 'workbox-precaching';
import type { PrecacheEntry } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';

// Typed locally: the WebWorker lib cannot join the DOM lib in the one tsconfig of the tree.
declare const self: {
  __WB_MANIFEST: (string | PrecacheEntry)[];
  skipWaiting(): Promise<void>;
  clients: { claim(): Promise<void> };
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'activate', listener: (event: WaitUntil) => void): void;
};
interface WaitUntil {
  waitUntil(promise: Promise<unknown>): void;
}

precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();
// Navigations carry no fragment to the worker; capabilities never reach it.
registerRoute(
  new NavigationRoute(createHandlerBoundToURL('index.html'), {
    denylist: [/^\/health$/, /^\/config\.json$/],
  }),
);

// The first version controls the page that installed it at once, so it works offline from then.
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

// workbox-window's messageSkipWaiting(), sent when the user accepts the update prompt.
self.addEventListener('message', (event) => {
  const data = event.data as { type?: unknown } | null;
  if (data?.type === 'SKIP_WAITING') void self.skipWaiting();
});
