/**
 * docs/PERFORMANCE.md, rewritten by every full `npm run bench`: how the figures are made, then
 * the latest full run (its date, machine, Node version and commit) as the harness printed it,
 * then the previous run and the notes written below it, kept as they were.
 */
import { markdown, type Results } from './report';

const METHOD = `# Performance

\`npm run bench\` measures Peerfold beside a reference **in the same run, on the same machine,
over the same loopback endpoints**, and prints the ratio: on a shared machine the noise hits
both figures alike. DESIGN.md section 9 sets the targets. \`npm run bench -- --quick\` (smaller
sizes, no 1 GiB case, under 3 minutes) is for a quick check; only a full run rewrites this
file: its table becomes the latest, and the run before it, with the notes written below that,
moves down unchanged. Every run also writes \`bench/results/<date>.json\` and \`.md\` (not
committed).

Options: \`--only CASE,...\` (throughput, throughput-webrtc, throughput-chromium,
throughput-chromium-node, delta, scale, first-peer, memory, memory-chromium), \`--files N\` (the
scale case's folder size), \`--scale F\` (all sizes times F, for development), \`--profile\` (every
Peerfold process writes a CPU profile to \`bench/results/profiles/\`; \`node --import tsx
bench/profile-top.ts FILE\` lists its hot spots), \`--no-doc\`.

## How each row is measured

Peerfold runs as a user runs it: two \`peerfold share --json\` processes (bin/peerfold.js) on
real temporary folders, the receiver started with \`--peer 127.0.0.1:PORT\`, DHT and LAN
discovery off. A fresh receiver is "done" when its local index root equals the sender's (the
root is recorded only once the folder holds it); every tree is then compared file by file
(size and SHA-256), and a difference fails the case instead of printing a figure.

- **Throughput** (random data, one file and many): Peerfold's receiver (Read capability) from
  its spawn, and from its first \`peer connected\` event, to done. References, run one after the
  other in the same run: **raw TCP**, two plain Node processes where the receiver dials the
  sender and a bare socket carries the same files (a frame header per file) into the
  receiver's folder; **WebTorrent** (the \`webtorrent\` package, TCP, no DHT, tracker or LSD),
  the seeder in one process, the downloader in another given only the magnet link (it fetches
  the metadata from the seeder, as a fresh Peerfold receiver fetches the index) and the
  seeder's address. The sender's first scan (and WebTorrent's hashing) are not timed.
- **Bytes on the wire for an edit**: sender and receiver in sync, connected through a
  byte-counting relay in the harness; the figure is every byte of the TCP stream both ways, from
  the edit until the receiver holds it, plus 1.5 s for the last credit messages. rsync: the
  same folder pushed with \`rsync -a --delete --no-whole-file --stats\` into a local rsync
  daemon (a socket, so the delta algorithm runs as between two machines) holding the previous
  version; its figure is "Total bytes sent" + "Total bytes received". rsync without \`--fuzzy\`
  sends a renamed file again in full.
- **Scale** (a folder of many 256-byte files): the receiver's initial sync (beside rsync into
  an empty folder); the wire bytes of a one-file change (relay, both ways: head, index nodes
  and the file's block) beside rsync's for the same change; the time from the write in the
  sender's folder to the receiver holding it, beside one rsync run; the rescan of the unchanged
  folder as the share starts again (process spawn to up to date), beside a bare Node walk that
  lstat()s every entry.
- **First peer**: a receiver's spawn to its \`peer connected\` event (the peer proved it holds
  the share), median of several starts, beside WebTorrent's downloader from spawn to its first
  wire.
- **Memory**: peak resident set size (VmHWM in /proc) of sender and receiver syncing a 1 GiB
  file, beside the file's size.
- **Throughput over WebRTC** (the same data sets; every pair introduced by the real signaling
  server's tracker on loopback): **Node-Node**, two \`peerfold share --webrtc-only\` processes
  (node-datachannel); **Chromium-Chromium**, the built app in two browser processes (a share
  made on the sender's page over an origin-private folder holding the data, written inside the
  page; its Read link opened in a fresh browser on an empty folder); **Chromium-Node**, the app
  sending to a \`peerfold share --webrtc-only\` process given the Read link (Chromium sends:
  WebTorrent cannot go from Node to its browser build here, the data channel never opens). A
  browser receiver is done when its status line reads "Up to date · 1 peer connected" and its
  folder holds every file at full size, then checked byte for byte; a browser's first peer is
  the peers line's first connected peer. Both moments are seen inside the page (a
  MutationObserver) and reported as they happen, as the raw references report theirs. Figures
  run from the first peer. References between the same two endpoints, one after the other in the
  same run: the **raw data channel**, one ordered reliable channel (a plain RTCPeerConnection in
  the page, node-datachannel's polyfill in Node, signalled through the harness) carrying the
  same files from folder to folder in 64 KiB messages with \`bufferedAmount\` backpressure (1 MiB
  high, 256 KiB low; a pair of ends that never connects is replaced once by a fresh pair, as
  node-datachannel's offering end sometimes fails its setup on a busy machine); **WebTorrent**
  over WebRTC (the \`webtorrent\` package with node-datachannel in Node, its own browser build in
  Chromium, through the same tracker; the browser downloader keeps the files in its default OPFS
  store). \`--quick\` runs 4 MiB in 20 files beside the raw channel only.
- **Memory in Chromium**: the peak JavaScript memory (DevTools \`Runtime.getHeapUsage\`: heap
  plus ArrayBuffer backing stores, summed over the workers, sampled every 250 ms) of a browser
  sending a 1 GiB file (from before its scan) and of a fresh browser receiving it (the app in
  both, over WebRTC), beside the file's size; \`--quick\`: 8 MiB, with no target.

## Latest full run
`;

const LATEST = '\n## Latest full run\n';

/** The doc for `results`; `previous` is the doc it replaces ('' for none). */
export function performanceDoc(results: Results, previous = ''): string {
  return `${METHOD}\n${markdown(results)}${history(previous)}`;
}

/** The previous doc's latest run, retitled with its commit, and everything after it. */
function history(previous: string): string {
  const at = previous.indexOf(LATEST);
  if (at < 0) return '';
  const rest = previous.slice(at + LATEST.length);
  const commit = /^- Node \S+, commit (\S+)$/m.exec(rest)?.[1];
  return `\n## The full run at ${commit ?? 'an earlier commit'}\n${rest}`;
}
