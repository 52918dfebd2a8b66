import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

// The browser app: index.html + src/main.tsx, built into dist/app, which the signaling server
// serves (signaling/server.ts DEFAULT_APP_DIR). Preact through the automatic JSX runtime.
export default defineConfig({
  build: { target: 'es2022', outDir: 'dist/app', emptyOutDir: true, sourcemap: true },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  // The engine's Web Worker (src/worker/main.ts) is a module worker: ES output lets it share
  // code-split chunks (libsodium, the core) like the page does.
  worker: { format: 'es' },
  // bittorrent-protocol (in the worker) reads `process.browser`, set by browserify-era bundlers.
  define: { 'process.browser': 'true' },
  // streamx (under bittorrent-protocol) requires Node's `events`, which Vite does not polyfill:
  // bare-events, the emitter events-universal itself uses outside Node, stands in.
  resolve: { alias: { events: 'bare-events' } },
  plugins: [
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src/sw',
      filename: 'sw.ts',
      // main.tsx registers the worker itself with workbox-window (for the update prompt).
      injectRegister: false,
      // The icons are in the glob below already; listing them twice only bloats the precache.
      includeManifestIcons: false,
      manifest: {
        name: 'Peerfold',
        short_name: 'Peerfold',
        description:
          'Keep a folder in sync between browsers and computers, peer to peer, end-to-end encrypted.',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        background_color: '#f6f8fa',
        theme_color: '#14645a',
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          {
            src: '/icons/maskable-512.png',
            sizes: '512x512',
            type: 'image/png',
            purpose: 'maskable',
          },
        ],
      },
      injectManifest: {
        globPatterns: ['**/*.{html,js,css,wasm,svg,png,webmanifest}'],
      },
    }),
  ],
});
