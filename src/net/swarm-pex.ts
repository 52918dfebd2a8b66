/**
 * The swarm's side of peer exchange: which of our proven peers to tell a peer about, and what
 * to take from what it tells us. Loopback addresses travel only between loopback peers: to a
 * remote peer they are useless, and from one they would point us at this machine's services.
 * WebRTC peers have no listen address (see listenAddress), so they are never advertised.
 */
import type { PeerAddress } from './discovery';
import { isLoopback } from './ip';
import { addressKey } from './peer-book';
import { PEX_EXTENSION, PEX_INTERVAL_MS, PexPeer, type PexEntry } from './pex';
import { listenAddress, type Connection } from './swarm-peers';

/** The listen addresses of the other proven peers in `conns` that `to` may use. */
function entriesFor(to: Connection, conns: Iterable<Connection>): PexEntry[] {
  const own = listenAddress(to);
  const local = to.remote !== undefined && isLoopback(to.remote.host);
  const entries: PexEntry[] = [];
  for (const c of conns) {
    const address = listenAddress(c);
    if (c === to || !c.open || !address) continue;
    if (c.attached?.peerId === to.attached?.peerId) continue;
    if (own && addressKey(own) === addressKey(address)) continue;
    if (isLoopback(address.host) && !local) continue;
    entries.push({ address, reachable: c.direction === 'out', utp: c.transport === 'utp' });
  }
  return entries;
}

function send(to: Connection, conns: Iterable<Connection>): void {
  if (!to.pex || !to.attached?.peerSupports(PEX_EXTENSION)) return;
  const message = to.pex.update(entriesFor(to, conns));
  if (message) to.attached.sendExtension(PEX_EXTENSION, message);
}

/** Once `conn` is proven: tells it our peers now, then what changed every PEX_INTERVAL_MS. */
export function startPex(conn: Connection, conns: Iterable<Connection>, now: () => number): void {
  conn.pex = new PexPeer(now);
  send(conn, conns);
  conn.pexTimer = setInterval(() => send(conn, conns), PEX_INTERVAL_MS);
}

export function stopPex(conn: Connection): void {
  clearInterval(conn.pexTimer);
  conn.pexTimer = undefined;
}

/** The addresses worth dialling from `conn`'s message; a bad message drops `conn`. */
export function heardPex(conn: Connection, payload: Uint8Array): PeerAddress[] {
  if (!conn.pex) return [];
  let added: PeerAddress[];
  try {
    added = conn.pex.receive(payload);
  } catch (e) {
    conn.attached?.destroy(e instanceof Error ? e.message : 'bad pex message', 'misbehaved');
    return [];
  }
  const local = conn.remote !== undefined && isLoopback(conn.remote.host);
  return added.filter((a) => local || !isLoopback(a.host));
}
