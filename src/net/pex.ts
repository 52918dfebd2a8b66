/**
 * Peer exchange (BEP 11, extension `ut_pex`): every PEX_INTERVAL_MS each side tells the other
 * which listen addresses it gained and lost since its last message, compact-encoded (`added`,
 * `added.f`, `dropped`, and the `6` variants for IPv6). The swarm sends and hears PEX only on a
 * wire whose Peerfold session is open, so a peer that has not proven the share learns nothing.
 * A received message is decoded once here and bounded: at most MAX_PEX_PEERS per list, and not
 * more often than MIN_RECEIVE_GAP_MS; a peer that breaks that is dropped.
 */
import { decode, encode, type BValue } from '../core/bencode';
import { PeerfoldError } from '../core/errors';
import type { PeerAddress } from './discovery';
import { addressKey } from './peer-book';
import { formatIp, parseIp } from './ip';

export const PEX_EXTENSION = 'ut_pex';
/** BEP 11: no more than one message a minute. */
export const PEX_INTERVAL_MS = 60_000;
/** Slack for timer jitter on the sender's side. */
export const MIN_RECEIVE_GAP_MS = PEX_INTERVAL_MS / 2;
/** BEP 11: at most 50 added and 50 dropped peers per message. */
export const MAX_PEX_PEERS = 50;

/** `added.f` bits we set (BEP 11). */
const SUPPORTS_UTP = 0x04;
const REACHABLE = 0x10;

export interface PexEntry {
  readonly address: PeerAddress;
  /** We reached it by dialling (so it accepts connections). */
  readonly reachable: boolean;
  readonly utp: boolean;
}

export interface PexMessage {
  readonly added: readonly PexEntry[];
  readonly dropped: readonly PeerAddress[];
}

function compact(addresses: readonly PeerAddress[], family: 4 | 6): Uint8Array {
  const width = family === 4 ? 6 : 18;
  const out = new Uint8Array(addresses.length * width);
  addresses.forEach((a, i) => {
    out.set(parseIp(a.host)!, i * width);
    out[i * width + width - 2] = a.port >> 8;
    out[i * width + width - 1] = a.port & 0xff;
  });
  return out;
}

function uncompact(bytes: BValue | undefined, family: 4 | 6, what: string): PeerAddress[] {
  if (bytes === undefined) return [];
  const width = family === 4 ? 6 : 18;
  if (!(bytes instanceof Uint8Array) || bytes.length % width !== 0) {
    throw new PeerfoldError('malformed', `pex: ${what} is not a list of compact addresses`);
  }
  const out: PeerAddress[] = [];
  for (let at = 0; at < bytes.length; at += width) {
    const ip = bytes.subarray(at, at + width - 2);
    const port = (bytes[at + width - 2]! << 8) | bytes[at + width - 1]!;
    out.push({ host: formatIp(ip), port });
  }
  return out;
}

export function encodePex(message: PexMessage): Uint8Array {
  const ofFamily = (host: string, family: 4 | 6): boolean =>
    parseIp(host)?.length === (family === 4 ? 4 : 16);
  const added = (family: 4 | 6) => message.added.filter((e) => ofFamily(e.address.host, family));
  const dropped = (family: 4 | 6) => message.dropped.filter((a) => ofFamily(a.host, family));
  const flags = (entries: readonly PexEntry[]) =>
    Uint8Array.from(entries, (e) => (e.reachable ? REACHABLE : 0) | (e.utp ? SUPPORTS_UTP : 0));
  const added4 = added(4);
  const added6 = added(6);
  return encode({
    added: compact(
      added4.map((e) => e.address),
      4,
    ),
    'added.f': flags(added4),
    added6: compact(
      added6.map((e) => e.address),
      6,
    ),
    'added6.f': flags(added6),
    dropped: compact(dropped(4), 4),
    dropped6: compact(dropped(6), 6),
  });
}

/** Decodes a peer's message; throws `malformed` or `too-large`. Flags are advisory, not read. */
export function decodePex(bytes: Uint8Array): { added: PeerAddress[]; dropped: PeerAddress[] } {
  let value: BValue;
  try {
    value = decode(bytes);
  } catch {
    throw new PeerfoldError('malformed', 'pex: not bencode');
  }
  if (typeof value !== 'object' || value instanceof Uint8Array || Array.isArray(value)) {
    throw new PeerfoldError('malformed', 'pex: not a dictionary');
  }
  const added = [...uncompact(value.added, 4, 'added'), ...uncompact(value.added6, 6, 'added6')];
  const dropped = [
    ...uncompact(value.dropped, 4, 'dropped'),
    ...uncompact(value.dropped6, 6, 'dropped6'),
  ];
  if (added.length > MAX_PEX_PEERS || dropped.length > MAX_PEX_PEERS) {
    throw new PeerfoldError('too-large', `pex: more than ${MAX_PEX_PEERS} peers in one message`);
  }
  return { added, dropped };
}

/** PEX with one peer: what we told it, and when it last told us anything. */
export class PexPeer {
  private readonly told = new Map<string, PexEntry>();
  private lastHeard: number | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  /** The message bringing the peer up to `current`, or undefined if nothing changed. */
  update(current: readonly PexEntry[]): Uint8Array | undefined {
    const now = new Map(current.map((e) => [addressKey(e.address), e]));
    const added = [...now].filter(([k]) => !this.told.has(k)).slice(0, MAX_PEX_PEERS);
    const dropped = [...this.told].filter(([k]) => !now.has(k)).slice(0, MAX_PEX_PEERS);
    if (added.length === 0 && dropped.length === 0) return undefined;
    for (const [k, e] of added) this.told.set(k, e);
    for (const [k] of dropped) this.told.delete(k);
    return encodePex({
      added: added.map(([, e]) => e),
      dropped: dropped.map(([, e]) => e.address),
    });
  }

  /** The addresses a message from the peer adds; throws if it is malformed or too soon. */
  receive(bytes: Uint8Array): PeerAddress[] {
    const now = this.now();
    if (this.lastHeard !== undefined && now - this.lastHeard < MIN_RECEIVE_GAP_MS) {
      throw new PeerfoldError('protocol', 'pex: messages more often than once a minute');
    }
    this.lastHeard = now;
    return decodePex(bytes).added;
  }
}
