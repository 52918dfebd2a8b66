// A real signaling server on 127.0.0.1:0 whose log is captured, and a small tracker client over
// the `ws` package that queues what the server sends so tests can wait for a given message.
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { ClientOptions } from 'ws';
import { WebSocket } from 'ws';
import type { Limits } from '../../signaling/limits';
import type { SignalingOptions, SignalingServer } from '../../signaling/server';
import { startSignalingServer } from '../../signaling/server';

export type Message = Record<string, unknown>;

/** Every id and SDP a test sends; none may ever show up in the log or the counters. */
export const secrets = new Set<string>();

/** A fresh 20-byte id as the protocol carries it: a "binary" string, one char per byte. */
export function binaryId(): string {
  const id = randomBytes(20).toString('latin1');
  secrets.add(id);
  return id;
}

export function sdp(label: string): string {
  const text = `v=0 o=- ${randomBytes(8).toString('hex')} ${label}`;
  secrets.add(text);
  return text;
}

export interface TestServer {
  server: SignalingServer;
  logs: string[];
}

export async function startTestServer(
  limits: Partial<Limits> = {},
  options: Partial<SignalingOptions> = {},
): Promise<TestServer> {
  const logs: string[] = [];
  const server = await startSignalingServer({
    port: 0,
    host: '127.0.0.1',
    limits,
    log: (line) => logs.push(line),
    ...options,
  });
  return { server, logs };
}

/** Asserts that no log line, and no counter, holds any id or SDP a test used (raw or hex). */
export function expectNothingIdentifying(test: TestServer): void {
  const texts = [...test.logs, JSON.stringify(test.server.counters())];
  const forms = (secret: string) => [
    secret,
    Buffer.from(secret, 'latin1').toString('hex'),
    JSON.stringify(secret).slice(1, -1),
  ];
  const leaks = texts.filter((text) =>
    [...secrets].some((s) => forms(s).some((f) => text.includes(f))),
  );
  expect(leaks.length, 'log lines or counters holding an id or SDP').toBe(0);
  expect(test.logs.length).toBeGreaterThan(0); // the capture itself works
}

/** Polls `check` until it returns true; fails after a generous deadline (a slow machine is fine). */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export class TrackerSocket {
  readonly received: Message[] = [];
  closeCode: number | undefined;
  private readonly opened: Promise<void>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => this.received.push(JSON.parse(data.toString()) as Message));
    ws.on('close', (code) => (this.closeCode = code));
    ws.on('error', () => {}); // a server-side close may surface as a client error first
    this.opened = new Promise((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('close', (code) => reject(new Error(`closed before open (${code})`)));
    });
  }

  static async open(url: string, options?: ClientOptions): Promise<TrackerSocket> {
    const socket = new TrackerSocket(new WebSocket(url, options));
    await socket.opened;
    return socket;
  }

  send(message: Message | string): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Waits for (and removes from the queue) the first message matching `match`. */
  async next(match: (m: Message) => boolean, what = 'a message'): Promise<Message> {
    let found: Message | undefined;
    await eventually(() => {
      const i = this.received.findIndex(match);
      if (i >= 0) found = this.received.splice(i, 1)[0];
      return found !== undefined;
    }, what);
    return found as Message;
  }

  /** Messages matching `match` received so far. */
  count(match: (m: Message) => boolean): number {
    return this.received.filter(match).length;
  }

  async closed(): Promise<number> {
    await eventually(() => this.closeCode !== undefined, 'the socket to close');
    return this.closeCode as number;
  }

  async close(): Promise<void> {
    if (this.closeCode !== undefined) return;
    this.ws.close();
    await this.closed();
  }
}

export const isOffer = (m: Message): boolean => m.offer !== undefined;
export const isAnswer = (m: Message): boolean => m.answer !== undefined;
export const isReply = (m: Message): boolean => m.complete !== undefined;
export const isFailure = (m: Message): boolean => m['failure reason'] !== undefined;

export function announce(infoHash: string, peerId: string, extra: Message = {}): Message {
  return {
    action: 'announce',
    info_hash: infoHash,
    peer_id: peerId,
    numwant: 5,
    left: 1,
    ...extra,
  };
}

export function offers(count: number, label = 'offer'): { offer_id: string; offer: Message }[] {
  return Array.from({ length: count }, (_, i) => ({
    offer_id: binaryId(),
    offer: { type: 'offer', sdp: sdp(`${label}-${i}`) },
  }));
}

/** Resolves once everything the server sent `socket` before now has arrived (TCP keeps order). */
export async function flush(socket: TrackerSocket): Promise<void> {
  socket.send({ action: 'scrape', info_hash: binaryId() });
  await socket.next((m) => m.action === 'scrape', 'scrape reply');
}

/** The answer `from` would send to the offer in `relay`. */
export function answerFor(
  infoHash: string,
  from: string,
  relay: Message,
  label = 'answer',
): Message {
  return {
    action: 'announce',
    info_hash: infoHash,
    peer_id: from,
    to_peer_id: relay.peer_id,
    offer_id: relay.offer_id,
    answer: { type: 'answer', sdp: sdp(label) },
  };
}

/** Sockets a test file opened, to one server or several, closed together. */
export class SocketPool {
  private readonly open: TrackerSocket[] = [];

  constructor(private readonly defaultServer: () => TestServer) {}

  async connect(server: TestServer = this.defaultServer()): Promise<TrackerSocket> {
    const socket = await TrackerSocket.open(server.server.trackerUrl);
    this.open.push(socket);
    return socket;
  }

  /** A socket that has joined `infoHash` as `peerId` (and seen the reply). */
  async joined(infoHash: string, peerId = binaryId(), extra: Message = {}) {
    const socket = await this.connect();
    socket.send(announce(infoHash, peerId, { event: 'started', ...extra }));
    await socket.next(isReply, 'announce reply');
    return { socket, peerId };
  }

  adopt(socket: TrackerSocket): TrackerSocket {
    this.open.push(socket);
    return socket;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.open.splice(0).map((s) => s.close()));
  }
}
