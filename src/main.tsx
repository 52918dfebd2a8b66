/// <reference types="vite/client" />
// The browser entry: the one browser file that picks concrete adapters (DESIGN.md section 1).
// It takes a capability out of the URL fragment before anything else runs, loads libsodium,
// and hands the UI its services: the core's capability functions with randomness from
// crypto.getRandomValues, IndexedDB through idb-keyval, the folder picker, the clipboard, and
// the sync engine in its Web Worker (src/worker/main.ts picks the engine's adapters).
import { render } from 'preact';
import { createStore, del, get, set } from 'idb-keyval';
import { Workbox } from 'workbox-window';
import {
  capabilityLink,
  discoveryKey,
  formatCapability,
  parseCapability,
  toRead,
  toStore,
  writeFromSeed,
} from './core/capability';
import type { Capability } from './core/capability';
import { toHex } from './core/bytes';
import { initCrypto } from './core/crypto';
import { isPeerfoldError } from './core/errors';
import { PageIntroducer } from './net/page-introducer';
import { App } from './ui/app';
import { EngineClient } from './ui/engine-client';
import type { UpdateSource } from './ui/app';
import { FragmentInbox } from './ui/fragment';
import type { AppServices, CapabilityService, CheckedCapability } from './ui/services';
import type { FolderAccess, FolderHandle, FolderPermission } from './ui/services';
import './ui/styles.css';

// First thing: strip the fragment, even if the rest of the start-up fails.
const fragments = new FragmentInbox(window);

function checked(cap: Capability): CheckedCapability {
  return { text: formatCapability(cap), role: cap.role, shareId: toHex(discoveryKey(cap)) };
}

const capabilities: CapabilityService = {
  create: () => checked(writeFromSeed(crypto.getRandomValues(new Uint8Array(32)))),
  check(input) {
    try {
      return { ok: true, capability: checked(parseCapability(input)) };
    } catch (e) {
      // The core's messages name what is wrong and never echo the capability.
      if (isPeerfoldError(e)) return { ok: false, problem: e.message };
      return { ok: false, problem: 'this is not a Peerfold link' };
    }
  },
  links(text, origin) {
    const cap = parseCapability(text);
    return {
      write: cap.role === 'write' ? capabilityLink(cap, origin) : undefined,
      read: cap.role !== 'store' ? capabilityLink(toRead(cap), origin) : undefined,
      store: capabilityLink(toStore(cap), origin),
    };
  },
};

/** The File System Access API where it exists (Chromium); typed here, absent from lib.dom. */
interface DirectoryHandle extends FolderHandle {
  queryPermission(options: { mode: 'readwrite' }): Promise<FolderPermission>;
  requestPermission(options: { mode: 'readwrite' }): Promise<FolderPermission>;
}
type DirectoryPicker = (options: { mode: 'readwrite' }) => Promise<DirectoryHandle>;
const picker = (window as { showDirectoryPicker?: DirectoryPicker }).showDirectoryPicker;

const folders: FolderAccess = {
  canPick: typeof picker === 'function',
  async pick() {
    try {
      return await picker!.call(window, { mode: 'readwrite' });
    } catch (e) {
      if (e instanceof DOMException && e.name === 'AbortError') return undefined;
      throw e;
    }
  },
  permission: (handle) => (handle as DirectoryHandle).queryPermission({ mode: 'readwrite' }),
  requestPermission: (handle) =>
    (handle as DirectoryHandle).requestPermission({ mode: 'readwrite' }),
};

// The engine runs in a module worker: hashing, chunking and crypto never block the page.
const engine = new EngineClient(
  new Worker(new URL('./worker/main.ts', import.meta.url), {
    type: 'module',
    name: 'peerfold-engine',
  }),
);
// WebRTC: the page makes the connections (a worker cannot) and hands each data channel to the
// engine's worker the moment it exists; trackers and STUN/TURN servers come from the server.
engine.usePeers(
  new PageIntroducer({
    platform: { RTCPeerConnection, WebSocket },
    loadConfig: async () => {
      // Offline (the app shell from the service worker), wait for the network: no failing fetch.
      if (!navigator.onLine) {
        await new Promise((resolve) => window.addEventListener('online', resolve, { once: true }));
      }
      const response = await fetch('/config.json', { cache: 'no-cache' });
      if (!response.ok) throw new Error(`config: HTTP ${response.status}`);
      return (await response.json()) as unknown;
    },
    deliver: (share, link, initiator, channel) => engine.channel(share, link, initiator, channel),
    // Names a tracker's host at most: never a share id, peer id or SDP.
    onWarning: (message) => console.warn('peerfold network:', message),
  }),
);
// Without FileSystemObserver the engine rescans on a timer; coming back to the page is a
// good moment too (the user may have just changed files elsewhere).
window.addEventListener('focus', () => engine.rescan());
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') engine.rescan();
});

// A database of its own, apart from the engine's state store.
const appDb = createStore('peerfold-app', 'kv');

const services: AppServices = {
  capabilities,
  store: {
    get: (key) => get(key, appDb),
    set: (key, value) => set(key, value, appDb),
    del: (key) => del(key, appDb),
  },
  folders,
  clipboard: { copy: (text) => navigator.clipboard.writeText(text) },
  persistence: {
    request: async () => (await navigator.storage?.persist?.()) ?? false,
  },
  origin: window.location.origin,
  engine,
};

/** The service worker (production builds only) and the prompt when a new one waits. */
function serviceWorkerUpdates(): UpdateSource | undefined {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return undefined;
  const wb = new Workbox('/sw.js', { scope: '/' });
  let waiting = false;
  const listeners = new Set<() => void>();
  wb.addEventListener('waiting', () => {
    waiting = true;
    for (const listener of listeners) listener();
  });
  // Reload only into a version the user accepted (the first install takes over silently).
  let accepted = false;
  wb.addEventListener('controlling', () => {
    if (accepted) window.location.reload();
  });
  wb.register().catch(() => {
    // No service worker (e.g. a private window): the app works, only not offline.
  });
  return {
    onWaiting(listener) {
      listeners.add(listener);
      if (waiting) listener();
      return () => listeners.delete(listener);
    },
    apply() {
      accepted = true;
      wb.messageSkipWaiting();
    },
  };
}

const root = document.getElementById('app')!;
initCrypto().then(
  () => {
    root.textContent = '';
    render(
      <App services={services} fragments={fragments} updates={serviceWorkerUpdates()} />,
      root,
    );
  },
  () => {
    root.textContent =
      'Peerfold could not start: this browser blocked its encryption module (WebAssembly). ' +
      'Try an up-to-date Chrome, Edge, Firefox or Safari.';
  },
);
