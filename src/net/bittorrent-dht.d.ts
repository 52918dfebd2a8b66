/** The parts of bittorrent-dht (which ships no types) that src/net and its tests use. */
declare module 'bittorrent-dht' {
  import { EventEmitter } from 'node:events';

  export interface DhtOptions {
    /** `host:port` texts or objects; false for none; the public routers when absent. */
    bootstrap?: (string | { host: string; port: number })[] | false;
    nodeId?: Uint8Array | string;
  }

  export interface DhtNode {
    host: string;
    port: number;
    id?: Uint8Array;
  }

  export default class DHT extends EventEmitter {
    constructor(options?: DhtOptions);
    readonly nodeId: Uint8Array;
    readonly listening: boolean;
    readonly destroyed: boolean;
    listen(port?: number, address?: string, onListening?: () => void): void;
    address(): { address: string; family: string; port: number };
    addNode(node: DhtNode): void;
    /** Looks up peers; `peer` events follow; the callback gets the number of nodes that answered. */
    lookup(
      infoHash: Uint8Array | string,
      cb?: (err: Error | null, nodes?: number) => void,
    ): () => void;
    announce(infoHash: Uint8Array | string, port: number, cb?: (err: Error | null) => void): void;
    destroy(cb?: () => void): void;
    toJSON(): { nodes: DhtNode[] };

    on(
      event: 'peer',
      listener: (peer: { host: string; port: number }, infoHash: Uint8Array, from: unknown) => void,
    ): this;
    on(event: 'warning' | 'error', listener: (error: unknown) => void): this;
    on(event: 'listening' | 'ready' | 'close', listener: () => void): this;
    once(event: 'listening' | 'ready' | 'close', listener: () => void): this;
    once(event: 'error', listener: (error: unknown) => void): this;
    off(event: string, listener: (...args: never[]) => void): this;
  }
}
