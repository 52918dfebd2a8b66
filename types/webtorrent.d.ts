/** The parts of webtorrent (which ships no types) that the compatibility test and the benchmark use. */
declare module 'webtorrent' {
  import { EventEmitter } from 'node:events';

  namespace WebTorrent {
    interface Options {
      dht?: boolean;
      lsd?: boolean;
      tracker?: boolean;
      utPex?: boolean;
      utp?: boolean;
      natUpnp?: boolean;
      natPmp?: boolean;
      webSeeds?: boolean;
    }
    interface TorrentOptions {
      announce?: string[];
      path?: string;
    }
    interface Torrent extends EventEmitter {
      readonly infoHash: string;
      readonly name: string;
      readonly magnetURI: string;
      readonly length: number;
      readonly downloaded: number;
      readonly wires: { readonly type: string }[];
      addPeer(address: string): boolean;
    }
  }

  class WebTorrent extends EventEmitter {
    constructor(options?: WebTorrent.Options);
    readonly peerId: string;
    address(): { port: number } | null;
    seed(
      input: string,
      options: WebTorrent.TorrentOptions,
      onSeed: (torrent: WebTorrent.Torrent) => void,
    ): WebTorrent.Torrent;
    add(
      torrentId: string,
      options: WebTorrent.TorrentOptions,
      onTorrent?: (torrent: WebTorrent.Torrent) => void,
    ): WebTorrent.Torrent;
    destroy(callback?: (error?: Error) => void): void;
  }

  export default WebTorrent;
}
