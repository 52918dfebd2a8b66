/**
 * docs/PERFORMANCE.md, rewritten by every full `npm run bench`: how the figures are made, then
 * the latest full run (its date, machine, Node version and commit) as the harness printed it.
 */
import { markdown, type Results } from './report';

const METHOD = `# Performance

\`npm run bench\` measures Peerfold beside a reference **in the same run, on the same machine,
over the same loopback endpoints**, and prints the ratio: on a shared machine the noise hits
both figures alike. DESIGN.md section 9 sets the targets. \`npm run bench -- --quick\` (smaller
sizes, no 1 GiB case, under 3 minutes) is for a quick check; only a full run rewrites this
file. Every run also writes \`bench/results/<date>.json\` and \`.md\` (not committed).

Options: \`--only throughput,delta,scale,first-peer,memory\`, \`--files N\` (the scale case's
folder size), \`--scale F\` (all sizes times F, for development), \`--profile\` (every Peerfold
process writes a CPU profile to \`bench/results/profiles/\`; \`node --import tsx
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

The WebRTC paths (Node <-> Node, Chromium <-> Chromium, Chromium <-> Node) get their rows as new
cases in \`bench/cases/\` (one file each, exporting \`{ name, run(ctx) }\`) when they exist; no row
is printed for a path that was not measured.

## Latest full run
`;

export function performanceDoc(results: Results): string {
  return `${METHOD}\n${markdown(results)}`;
}
