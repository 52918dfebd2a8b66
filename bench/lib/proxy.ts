/**
 * A byte-counting TCP relay on loopback: the receiver dials the relay, the relay dials the
 * sender, and every byte either way (handshake, proofs, heads, wants, credit, data: all of the
 * TCP payload) is counted. This is the "bytes on the wire" of the Peerfold figures, comparable
 * with rsync's own "Total bytes sent/received" (its whole protocol stream).
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface Counts {
  /** Receiver to sender. */
  up: number;
  /** Sender to receiver. */
  down: number;
  connections: number;
}

export interface CountingProxy {
  readonly port: number;
  readonly counts: Counts;
  /** up + down. */
  total(): number;
  close(): Promise<void>;
}

export async function countingProxy(targetPort: number): Promise<CountingProxy> {
  const counts: Counts = { up: 0, down: 0, connections: 0 };
  const sockets = new Set<Socket>();
  const server: Server = createServer((inbound) => {
    counts.connections++;
    const outbound = connect(targetPort, '127.0.0.1');
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined); // the other side's close ends both
    }
    inbound.on('data', (b: Buffer) => (counts.up += b.length));
    outbound.on('data', (b: Buffer) => (counts.down += b.length));
    inbound.pipe(outbound);
    outbound.pipe(inbound);
    inbound.on('close', () => outbound.destroy());
    outbound.on('close', () => inbound.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    counts,
    total: () => counts.up + counts.down,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
