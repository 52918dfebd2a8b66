/**
 * The WebTorrent reference over WebRTC in Node, one end per process: the `webtorrent` package
 * with node-datachannel's W3C polyfill as its WebRTC (what Peerfold's Node peers use), meeting the
 * other end only through the harness's WebSocket tracker (no DHT, LSD, uTP or peer address: a
 * ws tracker introduces WebRTC peers only). The downloader knows only the magnet link (infohash,
 * name and tracker), as in webtorrent-peer.ts.
 *
 *   node --import tsx webtorrent-rtc-peer.ts seed DIR TRACKER   prints {"event":"seeding",magnet,name}
 *   node --import tsx webtorrent-rtc-peer.ts fetch MAGNET DIR
 *                          prints {"event":"connected","type"} (the wire's transport) then done
 */
import polyfill from 'node-datachannel/polyfill';
import WebTorrent from 'webtorrent';

const say = (event: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(event)}\n`);
};

// types/webtorrent.d.ts types `tracker` as a boolean only; webtorrent also takes the tracker
// client's options there, `wrtc` among them.
const options = {
  dht: false,
  lsd: false,
  natUpnp: false,
  natPmp: false,
  utp: false,
  webSeeds: false,
  tracker: { wrtc: polyfill },
};
const client = new WebTorrent(options as unknown as WebTorrent.Options);
client.on('error', (e: Error) => {
  process.stderr.write(`webtorrent: ${e.message}\n`);
  process.exit(1);
});

const [mode, a, b, c] = process.argv.slice(2);
if (mode === 'seed' && a && b) {
  client.seed(a, { announce: [b] }, (torrent) => {
    say({ event: 'seeding', magnet: torrent.magnetURI, name: torrent.name });
  });
} else if (mode === 'fetch' && a && b && !c) {
  const torrent = client.add(a, { path: b });
  torrent.once('wire', (wire: { type?: string }) => say({ event: 'connected', type: wire.type }));
  torrent.once('done', () => say({ event: 'done', bytes: torrent.length }));
} else {
  throw new Error('usage: webtorrent-rtc-peer.ts seed DIR TRACKER | fetch MAGNET DIR');
}
