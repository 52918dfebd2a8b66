import { defineConfig } from 'vite';

// The browser app (src/main.tsx) is built by the browser-app issue; until then Vite only
// serves as the bundler configuration that vitest shares.
export default defineConfig({
  build: { target: 'es2022', outDir: 'dist/app', sourcemap: true },
});
