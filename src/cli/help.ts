/** Help texts: `peerfold --help` and `peerfold <command> --help`. */
import { SERVE_USAGE } from '../../signaling/options';

/** The server's own options (signaling/options.ts), without their heading. */
const SERVE_OPTIONS = SERVE_USAGE.replace('Options:\n', '');

export const TOP_HELP = `peerfold: keep a folder in sync between computers and browsers, peer to peer,
end-to-end encrypted. A share is reached with a capability: Write (change files), Read (see
files), Store (keep an encrypted copy it cannot read).

Usage: peerfold <command> [options]

Commands:
  gen     create a share for a folder and print its Write, Read and Store capabilities
  share   sync a folder (Write, Read) or keep a Store replica, until stopped
  serve   run the signaling/tracker server and the app, and keep replicas (--share)
  status  list the shares in the data dir and how they are
  ls      list a share's files as its index records them

Options:
  -h, --help     help (also: peerfold <command> --help)
  --version      the version

Environment: PEERFOLD_ID (a capability), PEERFOLD_DATA (the data dir), PEERFOLD_URL (the base
of capability links), PEERFOLD_SHARES (serve's replicas). Exit codes: 0 ok, 1 runtime failure, 2 bad command line.
See docs/CLI.md.
`;

const DATA = `  --data DIR       the data dir (default: PEERFOLD_DATA, $XDG_DATA_HOME/peerfold or
                   ~/.local/share/peerfold)`;
const ID = `  --id CAP         the capability (text, or a link holding it after #)
  --id-file FILE   read the capability from FILE instead (keeps it out of \`ps\`);
                   PEERFOLD_ID works too`;

export const HELP: Record<string, string> = {
  gen: `Usage: peerfold gen --dir DIR [--url BASE] [--json]

Creates a share for DIR (created if missing; its parent must exist) and prints its Write, Read
and Store capabilities with links BASE/#<capability>. The folder gets the marker .peerfold/
naming the share (its public id, never a capability); a folder of another share is refused.

  --dir DIR        the folder to share
  --url BASE       base of the links (default: PEERFOLD_URL or http://localhost:8080)
  --json           one JSON object: {dir, write: {capability, link}, read: {...}, store: {...}}

Write lets a device change the files: give it only to your own devices. Read lets someone see
the files, never change them. Store lets an always-on machine keep and serve an encrypted copy
that it cannot read.
`,
  share: `Usage: peerfold share --id CAP [--dir DIR] [--port N] [--peer HOST:PORT]... [options]

Syncs the share until SIGINT or SIGTERM. Write and Read need --dir (an existing folder; Read
never publishes local edits). Store takes no --dir: it keeps an encrypted replica in the data dir.

${ID}
  --dir DIR        the folder
  --port N         the port to accept peers on (default 0: any free port)
  --host ADDR      the address to listen on (default 0.0.0.0)
  --peer HOST:PORT a peer to dial and keep dialling (repeatable)
  --tracker URL    a tracker (http, https, udp, ws, wss; repeatable); a ws(s) tracker also
                   joins the share over WebRTC (browsers, and Node peers through it)
  --webrtc-only    no TCP, uTP, DHT or LAN discovery: meet peers over WebRTC only,
                   through the ws(s) --tracker(s)
  --no-dht         do not use the Mainline DHT
  --dht-bootstrap HOST:PORT
                   join the DHT through this node instead of the public routers
                   (repeatable; a private DHT)
  --no-lsd         do not use local peer discovery (BEP 14 multicast on the LAN)
  --lsd-port N     LAN discovery's multicast port (default 6771)
  --lsd-interface IP
                   announce and listen on this IPv4 interface (repeatable; default every
                   non-loopback interface)
${DATA}
  --json           one JSON event per line (below)

Events with --json, each a line {"event": ...}:
  started     {share, role, dir, data, device, pid}
  listening   {port}
  status      {state: syncing|up-to-date|paused|error|stopped, reason, peers, heads, root,
               lastSync, pending}
  progress    {pending, received, sent}      (bytes; about once a second while moving data)
  peer        {action: connected|left, role, address, transport: tcp|utp|webrtc, peers,
               reason?}
  dial-failed {address, source, reason, retryMs}   (retryMs null: given up)
  warning     {message}
  stopped     {signal}
`,
  serve: `Usage: peerfold serve [--port N] [--host HOST] [--share CAP [--dir DIR]]... [options]

Runs the signaling/tracker server (WebRTC introductions for browsers and Node peers), serves
the app (dist/app, built with Vite first if missing) and /config.json, and keeps a replica of
each --share in this process, joined over WebRTC through this server and over TCP, uTP and the
DHT. Prints the URL to open. Runs until SIGINT or SIGTERM.

Server options:
${SERVE_OPTIONS}
Replicas:
  --share CAP      keep a replica of this share (repeatable): Store needs nothing more;
                   Read and Write need --dir right after it
  --dir DIR        the folder of the --share just before it
  --share-port N   the TCP/uTP port of the --share just before it (default: any free port)
  --share-file FILE
                   one replica per line: CAP, or CAP DIR (keeps capabilities out of \`ps\`);
                   without --share and --share-file, PEERFOLD_SHARES (capabilities separated by
                   spaces) is used
  --no-dht, --dht-bootstrap HOST:PORT, --no-lsd, --lsd-port N, --lsd-interface IP
                   as for peerfold share, for every replica
${DATA}
  --json           one JSON event per line: log {message}, server {url, tracker, port},
                   app {state: building|ready|built|missing|build-failed, dir, reason},
                   ready {url, replicas}, stopped {signal}, and each replica's share events
                   with its index in \`replica\`
`,
  status: `Usage: peerfold status [--data DIR] [--json]

Lists every share in the data dir: its role, folder, whether its \`share\` process runs, its
status, peers and last sync.

${DATA}
  --json           {data, shares: [{share, role, dir, running, pid, state, reason, peers, port,
                   lastSync}]}
`,
  ls: `Usage: peerfold ls --id CAP [--data DIR] [--json]

Lists the share's files as its index records them (from the data dir, whether or not \`share\`
runs). Conflict copies are marked. A Store capability cannot list: it cannot read names.

${ID}
${DATA}
  --json           {files: [{path, kind, size, mtime, executable, conflictOf}]}
`,
};
