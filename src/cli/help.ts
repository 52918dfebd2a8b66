/** Help texts: `peerfold --help` and `peerfold <command> --help`. */

export const TOP_HELP = `peerfold: keep a folder in sync between computers and browsers, peer to peer,
end-to-end encrypted. A share is reached with a capability: Write (change files), Read (see
files), Store (keep an encrypted copy it cannot read).

Usage: peerfold <command> [options]

Commands:
  gen     create a share for a folder and print its Write, Read and Store capabilities
  share   sync a folder (Write, Read) or keep a Store replica, until stopped
  status  list the shares in the data dir and how they are
  ls      list a share's files as its index records them

Options:
  -h, --help     help (also: peerfold <command> --help)
  --version      the version

Environment: PEERFOLD_ID (a capability), PEERFOLD_DATA (the data dir), PEERFOLD_URL (the base
of capability links). Exit codes: 0 ok, 1 runtime failure, 2 bad command line.
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
  --tracker URL    a tracker (http, udp, ws; repeatable)
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
  peer        {action: connected|left, role, address, transport, peers, reason?}
  dial-failed {address, source, reason, retryMs}   (retryMs null: given up)
  warning     {message}
  stopped     {signal}
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
