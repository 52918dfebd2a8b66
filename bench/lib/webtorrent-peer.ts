/**
 * The WebTorrent reference, one end per process, over TCP on loopback with every discovery off:
 * the downloader knows only the magnet link (infohash and name, no metadata: it fetches that
 * from the seeder, as a fresh Peerfold receiver fetches the index) and the seeder's address.
 *
 *   node --import tsx webtorrent-peer.ts seed DIR          prints {"event":"seeding",port,magnet,name}
 *   node --import tsx webtorrent-peer.ts fetch MAGNET DIR PORT
 *                                         prints {"event":"connected"} then {"event":"done"}
 */
import WebTorrent from 'webtorrent';

const say = (event: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(event)}\n`);
};

const client = new WebTorrent({
  dht: false,
  lsd: false,
  tracker: false,
  natUpnp: false,
  natPmp: false,
  utp: false,
  webSeeds: false,
});
client.on('error', (e: Error) => {
  process.stderr.write(`webtorrent: ${e.message}\n`);
  process.exit(1);
});

const [mode, a, b, c] = process.argv.slice(2);
if (mode === 'seed' && a) {
  client.seed(a, { announce: [] }, (torrent) => {
    say({
      event: 'seeding',
      port: client.address()?.port,
      magnet: torrent.magnetURI,
      name: torrent.name,
    });
  });
} else if (mode === 'fetch' && a && b && c) {
  const torrent = client.add(a, { path: b });
  torrent.once('infoHash', () => torrent.addPeer(`127.0.0.1:${c}`));
  torrent.once('wire', () => say({ event: 'connected' }));
  torrent.once('done', () => say({ event: 'done', bytes: torrent.length }));
} else {
  throw new Error('usage: webtorrent-peer.ts seed DIR | fetch MAGNET DIR PORT');
}
