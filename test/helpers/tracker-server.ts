/**
 * A stock bittorrent-tracker server (HTTP and UDP, no WebSocket) on loopback, recording every
 * announce it answers.
 */
import Server from 'bittorrent-tracker/server';

export interface Announce {
  /** 'start', 'update', 'stop', ... as the server names them. */
  event: string;
  port: number;
  /** Bytes the peer says it still needs: 0 makes it a seeder, which meets only leechers. */
  left: number;
}

export interface TrackerServer {
  httpUrl: string;
  udpUrl: string;
  /** Every announce answered, in order. */
  announces: Announce[];
  close(): Promise<void>;
}

export async function startTrackerServer(intervalMs: number): Promise<TrackerServer> {
  const server = new Server({
    http: true,
    udp: true,
    ws: false,
    stats: false,
    interval: intervalMs,
  });
  const announces: Announce[] = [];
  for (const event of ['start', 'update', 'stop', 'complete'] as const) {
    server.on(event, (_addr, params) =>
      announces.push({ event, port: params.port, left: params.left }),
    );
  }
  server.on('warning', () => {
    // a client's malformed request; the tests assert on what clients report instead
  });
  await new Promise<void>((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, { http: '127.0.0.1', udp: '127.0.0.1', udp6: '::1' }, resolve);
  });
  const httpAddress = server.http?.address();
  const udpAddress = server.udp4?.address();
  if (!httpAddress || typeof httpAddress === 'string' || !udpAddress) {
    throw new Error('tracker server: no address');
  }
  return {
    httpUrl: `http://127.0.0.1:${httpAddress.port}/announce`,
    udpUrl: `udp://127.0.0.1:${udpAddress.port}`,
    announces,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
