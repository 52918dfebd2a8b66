/** The parts of webtorrent (which ships no types) that the compatibility test uses. */
declare module 'webtorrent' {
  import { EventEmitter } from 'node:events';

  namespace WebTorrent {
    interface Options {
      dht?: boolean;
      lsd?: boolean;
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
      readonly magnetURI: string;
      readonly wires: { readonly type: string }[];
    }
  }

  class WebTorrent extends EventEmitter {
    constructor(options?: WebTorrent.Options);
    readonly peerId: string;
    seed(
      input: string,
      options: WebTorrent.TorrentOptions,
      onSeed: (torrent: WebTorrent.Torrent) => void,
    ): WebTorrent.Torrent;
    add(torrentId: string, options: WebTorrent.TorrentOptions): WebTorrent.Torrent;
    destroy(callback?: (error?: Error) => void): void;
  }

  export default WebTorrent;
}
