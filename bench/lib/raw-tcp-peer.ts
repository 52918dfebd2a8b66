/**
 * The raw-TCP reference, one end per process: a plain loopback socket moving the same files
 * with no protocol but a frame header per file (4-byte length, JSON {path, size}); a zero length
 * ends. As with Peerfold and WebTorrent, the sender listens and the receiver dials it, and the
 * receiver writes every file into its folder.
 *
 *   node --import tsx raw-tcp-peer.ts serve DIR         prints {"event":"listening","port"}
 *   node --import tsx raw-tcp-peer.ts fetch DIR PORT    prints connected, then done {bytes}
 */
import { createReadStream } from 'node:fs';
import { mkdir, open, stat, type FileHandle } from 'node:fs/promises';
import { connect, createServer, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { listFiles } from './raw-protocol';

const say = (event: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(event)}\n`);
};

const write = (socket: Socket, bytes: Uint8Array): Promise<void> =>
  new Promise((resolve) => (socket.write(bytes) ? resolve() : socket.once('drain', resolve)));

function serve(root: string): void {
  const server = createServer((socket) => {
    server.close();
    void send(socket, root);
  });
  server.listen(0, '127.0.0.1', () => {
    say({ event: 'listening', port: (server.address() as { port: number }).port });
  });
}

async function send(socket: Socket, root: string): Promise<void> {
  for (const path of await listFiles(root)) {
    const size = (await stat(join(root, path))).size;
    const header = Buffer.from(JSON.stringify({ path, size }));
    const length = Buffer.alloc(4);
    length.writeUInt32BE(header.length);
    await write(socket, Buffer.concat([length, header]));
    for await (const chunk of createReadStream(join(root, path), { highWaterMark: 1 << 20 })) {
      await write(socket, chunk as Buffer);
    }
  }
  socket.end(Buffer.alloc(4));
}

async function fetch(root: string, port: number): Promise<void> {
  const socket = connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  say({ event: 'connected' });
  let buffer: Buffer = Buffer.alloc(0);
  let file: FileHandle | undefined;
  let left = 0;
  let bytes = 0;
  for await (const chunk of socket) {
    buffer = buffer.length ? Buffer.concat([buffer, chunk as Buffer]) : (chunk as Buffer);
    for (;;) {
      if (file) {
        const n = Math.min(left, buffer.length);
        if (n > 0) await file.write(buffer.subarray(0, n));
        buffer = buffer.subarray(n);
        left -= n;
        bytes += n;
        if (left > 0) break;
        await file.close();
        file = undefined;
      }
      if (buffer.length < 4) break;
      const length = buffer.readUInt32BE(0);
      if (length === 0) {
        say({ event: 'done', bytes });
        socket.destroy();
        return;
      }
      if (buffer.length < 4 + length) break;
      const header = JSON.parse(buffer.subarray(4, 4 + length).toString()) as {
        path: string;
        size: number;
      };
      buffer = buffer.subarray(4 + length);
      const target = join(root, header.path);
      await mkdir(dirname(target), { recursive: true });
      file = await open(target, 'w');
      left = header.size;
    }
  }
  throw new Error('raw-tcp: the connection ended early');
}

const [mode, dir, port] = process.argv.slice(2);
if (mode === 'serve' && dir) serve(dir);
else if (mode === 'fetch' && dir && port) await fetch(dir, Number(port));
else throw new Error('usage: raw-tcp-peer.ts serve DIR | fetch DIR PORT');
