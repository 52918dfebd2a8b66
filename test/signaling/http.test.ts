// The HTTP side: the app's files with strict headers and the right caching, no way out of the
// app directory, /config.json, /health, and a clear error for a port in use.
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSignalingServer } from '../../signaling/server';
import type { TestServer } from './harness';
import { expectNothingIdentifying, startTestServer } from './harness';

let dir: string;
let appDir: string;
let t: TestServer;
let base: string;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw request, so paths like `/../x` reach the server as written (fetch would normalize). */
function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'peerfold-signaling-'));
  appDir = join(dir, 'app');
  await mkdir(join(appDir, 'assets'), { recursive: true });
  await writeFile(join(appDir, 'index.html'), '<!doctype html><title>Peerfold</title>');
  await writeFile(join(appDir, 'assets', 'main-B4x9_kQz.js'), 'console.log(1);');
  await writeFile(join(appDir, 'sw.js'), 'self.addEventListener("fetch", () => {});');
  await writeFile(join(appDir, 'manifest.webmanifest'), '{}');
  await writeFile(join(appDir, '.secret'), 'hidden');
  await writeFile(join(dir, 'outside.txt'), 'outside');
  await symlink(join(dir, 'outside.txt'), join(appDir, 'escape.txt'));
  t = await startTestServer({}, { appDir, iceServers: [{ urls: 'stun:stun.example.org:3478' }] });
  base = t.server.url;
});

afterAll(async () => {
  expectNothingIdentifying(t);
  await t.server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('signaling HTTP', () => {
  it('serves index.html with the strict headers and no caching', async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    expect(res.body).toContain('<title>Peerfold</title>');
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
    const csp = String(res.headers['content-security-policy']);
    for (const directive of [
      "default-src 'self'",
      "script-src 'self' 'wasm-unsafe-eval'",
      "connect-src 'self' ws: wss:",
      "object-src 'none'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
    ]) {
      expect(csp).toContain(directive);
    }
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toMatch(/'unsafe-eval'/);
  });

  it('caches hashed assets forever and revalidates the service worker', async () => {
    const asset = await get('/assets/main-B4x9_kQz.js');
    expect(asset.status).toBe(200);
    expect(asset.body).toBe('console.log(1);');
    expect(asset.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const sw = await get('/sw.js');
    expect(sw.headers['cache-control']).toBe('no-cache');
    expect(sw.headers['content-type']).toBe('text/javascript; charset=utf-8');
    const manifest = await get('/manifest.webmanifest');
    expect(manifest.headers['content-type']).toBe('application/manifest+json; charset=utf-8');
    const again = await get('/sw.js', { 'If-None-Match': String(sw.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
  });

  it('answers HEAD without a body and refuses other methods', async () => {
    const head = await get('/sw.js', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    const post = await get('/', {}, 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });

  it('serves index.html for app routes and 404 for missing files', async () => {
    const route = await get('/share/anything');
    expect(route.status).toBe(200);
    expect(route.body).toContain('Peerfold');
    expect((await get('/assets/missing-12345678.js')).status).toBe(404);
    expect((await get('/missing.png')).status).toBe(404);
  });

  it.each([
    '/../package.json',
    '/..%2fpackage.json',
    '/%2e%2e/%2e%2e/package.json',
    '/assets/..%2f..%2foutside.txt',
    '/..%5c..%5coutside.txt',
    '/%2e%2e%2foutside.txt',
    '/.secret',
    '/escape.txt',
    '/%00index.html',
    '/%E0%A4%A.js',
  ])('never serves anything outside the app directory: %s', async (path) => {
    const res = await get(path);
    expect(res.status).toBe(404);
    expect(res.body).not.toContain('outside');
    expect(res.body).not.toContain('hidden');
    expect(res.body).not.toContain('"name"');
  });

  it('lists this server as tracker (from the Host header) and the configured ICE servers', async () => {
    const res = await get('/config.json', { Host: 'sync.example.org:8443' });
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(res.body)).toEqual({
      trackers: ['ws://sync.example.org:8443'],
      iceServers: [{ urls: 'stun:stun.example.org:3478' }],
    });
    const bad = await get('/config.json', { Host: 'evil"host/<x>' });
    expect(JSON.parse(bad.body)).toMatchObject({ trackers: [t.server.trackerUrl] });
  });

  it('lists the configured trackers instead, and admits them in the CSP', async () => {
    const other = await startTestServer(
      {},
      { appDir, trackers: ['wss://tracker.example.net/announce'] },
    );
    try {
      const res = await fetch(new URL('/config.json', other.server.url));
      expect(await res.json()).toEqual({
        trackers: ['wss://tracker.example.net/announce'],
        iceServers: [],
      });
      expect(res.headers.get('content-security-policy')).toContain(
        "connect-src 'self' ws: wss: wss://tracker.example.net",
      );
    } finally {
      await other.server.close();
    }
  });

  it('reports health as counts only', async () => {
    const res = await get('/health');
    expect(res.headers['cache-control']).toBe('no-store');
    const health = JSON.parse(res.body) as Record<string, unknown>;
    expect(health).toMatchObject({ ok: true, swarms: 0, peers: 0, sockets: 0 });
    expect(health.dropped).toMatchObject({
      tooLarge: 0,
      rateLimited: 0,
      badMessage: 0,
      forgedPeer: 0,
      unknownOffer: 0,
    });
  });

  it('says how to build the app when there is none', async () => {
    const empty = await startTestServer({}, { appDir: join(dir, 'no-such-dir') });
    try {
      const res = await fetch(empty.server.url);
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(await res.text()).toMatch(/npm run build/);
      expect((await fetch(new URL('/health', empty.server.url))).status).toBe(200);
    } finally {
      await empty.server.close();
    }
  });

  it('fails with one clear line when the port is in use', async () => {
    const start = startSignalingServer({ port: t.server.port, host: '127.0.0.1', log: () => {} });
    await expect(start).rejects.toThrow(new RegExp(`^port ${t.server.port} is in use$`));
  });
});
