// One HTTP server: the WebSocket tracker on upgrade, /health, /config.json, and the built app.
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import type { Health } from './counters';
import { securityHeaders } from './headers';
import type { Limits } from './limits';
import { resolveLimits } from './limits';
import type { Send } from './static-files';
import { serveApp } from './static-files';
import { Tracker } from './tracker';

/** The fields of an RTCIceServer the app passes to RTCPeerConnection. */
export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

export interface SignalingOptions {
  port: number;
  host: string;
  /** The built app; default `dist/app` of the repository (vite.config.ts `outDir`). */
  appDir?: string;
  /** Trackers listed in /config.json; default: this server, from the request's Host header. */
  trackers?: string[];
  /** STUN/TURN servers listed in /config.json; default none. */
  iceServers?: IceServer[];
  limits?: Partial<Limits>;
  /** Behind a reverse proxy: take the client address and scheme from X-Forwarded-*. */
  trustProxy?: boolean;
  log?: (line: string) => void;
}

export interface SignalingServer {
  /** The page to open, e.g. `http://127.0.0.1:8080/`. */
  url: string;
  /** The tracker's WebSocket URL, e.g. `ws://127.0.0.1:8080`. */
  trackerUrl: string;
  port: number;
  counters(): Health;
  close(): Promise<void>;
}

export const DEFAULT_APP_DIR = fileURLToPath(new URL('../dist/app', import.meta.url));

export async function startSignalingServer(options: SignalingOptions): Promise<SignalingServer> {
  const limits = resolveLimits(options.limits);
  const log = options.log ?? ((line: string) => console.log(line));
  const appDir = options.appDir ?? DEFAULT_APP_DIR;
  const trackers = options.trackers ?? [];
  const iceServers = options.iceServers ?? [];
  const trustProxy = options.trustProxy ?? false;
  const security = securityHeaders(trackers);
  const tracker = new Tracker({ limits, log });
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: limits.maxMessageBytes,
    perMessageDeflate: false,
    clientTracking: false,
  });

  const send: Send = (res, status, headers, body) => {
    const all: Record<string, string> = { ...security, ...headers };
    if (body !== undefined && status !== 304)
      all['Content-Length'] = String(Buffer.byteLength(body));
    res.writeHead(status, all);
    if (body !== undefined) res.end(res.req.method === 'HEAD' ? undefined : body);
  };
  const sendJson = (res: ServerResponse, value: unknown, cache: string) =>
    send(
      res,
      200,
      { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': cache },
      JSON.stringify(value),
    );

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(
        res,
        405,
        { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' },
        'Method not allowed\n',
      );
    } else if (path === '/health') {
      sendJson(res, tracker.health(), 'no-store');
    } else if (path === '/config.json') {
      const list = trackers.length > 0 ? trackers : [ownTrackerUrl(req, trustProxy)];
      sendJson(res, { trackers: list, iceServers }, 'no-cache');
    } else {
      serveApp(req, res, appDir, send).catch(() => {
        if (res.headersSent) res.destroy();
        else send(res, 500, { 'Content-Type': 'text/plain; charset=utf-8' }, 'Internal error\n');
      });
    }
  };

  const server = createServer(onRequest);
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const ip = clientAddress(req, trustProxy);
    if (!tracker.admission.admit(ip)) {
      socket.end(
        'HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
      );
      return;
    }
    socket.once('close', () => tracker.admission.release(ip));
    wss.handleUpgrade(req, socket, head, (ws) => tracker.accept(ws));
  });

  try {
    await listen(server, options.port, options.host);
  } catch (err) {
    tracker.close();
    wss.close();
    throw listenError(err, options.port, options.host);
  }
  server.on('error', (err: NodeJS.ErrnoException) =>
    log(`signaling: server error ${err.code ?? err.name}`),
  );

  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = displayHost(options.host);
  const url = `http://${host}:${port}/`;
  log(`Peerfold server listening on ${url}`);

  return {
    url,
    trackerUrl: `ws://${host}:${port}`,
    port,
    counters: () => tracker.health(),
    close: async () => {
      tracker.close();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function listen(
  server: ReturnType<typeof createServer>,
  port: number,
  host: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** One clear line for the usual reasons a listen fails. */
function listenError(err: unknown, port: number, host: string): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return new Error(`port ${port} is in use`);
  if (code === 'EACCES')
    return new Error(`port ${port} needs more privileges (use a port above 1023)`);
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
    return new Error(`host ${host} is not an address of this machine`);
  }
  return new Error(`cannot listen on ${host}:${port} (${code ?? 'unknown error'})`);
}

function displayHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

const HOST_HEADER = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/** This server's tracker URL as the client reached it (the Host header, checked). */
function ownTrackerUrl(req: IncomingMessage, trustProxy: boolean): string {
  const forwarded = trustProxy ? firstValue(req.headers['x-forwarded-proto']) : undefined;
  const tls = 'encrypted' in req.socket || forwarded === 'https';
  const hostHeader = req.headers.host ?? '';
  const local = req.socket.localAddress ?? '127.0.0.1';
  const host = HOST_HEADER.test(hostHeader)
    ? hostHeader
    : `${displayHost(local.replace(/^::ffff:/, ''))}:${req.socket.localPort ?? ''}`;
  return `${tls ? 'wss' : 'ws'}://${host}`;
}

function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  const forwarded = trustProxy ? firstValue(req.headers['x-forwarded-for']) : undefined;
  const address = forwarded ?? req.socket.remoteAddress ?? 'unknown';
  return address.replace(/^::ffff:/, '');
}

function firstValue(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const first = value?.split(',')[0]?.trim();
  return first ? first : undefined;
}
