/** The parts of bittorrent-tracker (which ships no types) that src/net and its tests use. */
declare module 'bittorrent-tracker/client' {
  import { EventEmitter } from 'node:events';
  import type { Duplex } from 'node:stream';

  export interface AnnounceOptions {
    uploaded?: number;
    downloaded?: number;
    left?: number;
    numwant?: number;
  }

  export interface ClientOptions {
    infoHash: Uint8Array | string;
    peerId: Uint8Array | string;
    announce: string[];
    port: number;
    getAnnounceOpts?: () => AnnounceOptions;
    /** A WebRTC implementation (node-datachannel's polyfill, @roamhq/wrtc); false for none. */
    wrtc?: unknown;
    rtcConfig?: unknown;
  }

  /** One announce URL's tracker; internal to the client, see trackers.ts for why it is used. */
  export interface TrackerConnection {
    readonly announceUrl: string;
    setInterval(intervalMs?: number): void;
  }

  export default class Client extends EventEmitter {
    constructor(options: ClientOptions);
    readonly destroyed: boolean;
    /** Internal: one per announce URL the client accepted. */
    readonly _trackers: TrackerConnection[];
    start(options?: AnnounceOptions): void;
    stop(options?: AnnounceOptions): void;
    update(options?: AnnounceOptions): void;
    destroy(cb?: (error: Error | null) => void): void;

    /** `host:port` text from HTTP/UDP trackers; a WebRTC peer (a Duplex) from WebSocket ones. */
    on(event: 'peer', listener: (peer: string | Duplex) => void): this;
    on(event: 'warning' | 'error', listener: (error: unknown) => void): this;
    on(event: 'update', listener: (data: { announce: string }) => void): this;
  }
}

declare module 'bittorrent-tracker/server' {
  import { EventEmitter } from 'node:events';
  import type { Server as HttpServer } from 'node:http';
  import type { Socket } from 'node:dgram';

  export interface ServerOptions {
    /** The announce interval the server tells clients to use, in ms. */
    interval?: number;
    http?: boolean;
    udp?: boolean;
    ws?: boolean;
    stats?: boolean;
  }

  export default class Server extends EventEmitter {
    constructor(options?: ServerOptions);
    readonly http: HttpServer | null;
    readonly udp4: Socket | null;
    listen(
      port: number,
      hostname: { http?: string; udp?: string; udp6?: string },
      onListening?: () => void,
    ): void;
    close(cb?: () => void): void;
    on(event: 'error' | 'warning', listener: (error: unknown) => void): this;
    on(
      event: 'start' | 'update' | 'stop' | 'complete',
      listener: (addr: string, params: { port: number; left: number }) => void,
    ): this;
  }
}
