/**
 * The messages of the `peerfold` BEP 10 extension, exchanged on a BitTorrent wire once the
 * extended handshake has named the extension. Each extension message's payload is exactly one
 * canonical bencode dictionary (see bencode.ts):
 *
 *     { "v": 1, "t": <type>, ...fields }
 *
 * `v` is the protocol version (integer, always 1 here) and `t` the message type (a string).
 * Byte strings are raw bytes; "string" means strict UTF-8 in a byte string. Keys not listed are
 * ignored by readers (forward compatibility); writers send none.
 *
 * | t           | key  | value                                                                   |
 * |-------------|------|-------------------------------------------------------------------------|
 * | `hello`     | `n`  | nonce: 32 random bytes, fresh for this session                          |
 * |             | `r`  | role: `"write"`, `"read"` or `"store"`; an unverified claim, for display |
 * |             | `ua` | agent (optional): string of at most 64 bytes, e.g. `"peerfold/0.1.0"`  |
 * | `proof`     | `m`  | mac: 32 bytes, the capability proof (see proof.ts)                      |
 * | `heads`     | `h`  | list of 0..64 encoded signed heads, each a byte string of 1..4096 bytes |
 * | `want`      | `a`  | list of 1..1024 object addresses, each 32 bytes                         |
 * | `data`      | `a`  | address: 32 bytes                                                       |
 * |             | `b`  | the object's stored bytes: 0..262144 bytes (256 KiB)                    |
 * | `dont-have` | `a`  | list of 1..1024 addresses (32 bytes each) the sender does not hold      |
 * | `credit`    | `b`  | integer 1..67108864 (64 MiB): more bytes of `data` payload allowed      |
 * | `bye`       | `r`  | reason: string of at most 256 bytes                                     |
 *
 * For example a credit grant of 8 MiB is `d1:bi8388608e1:t6:credit1:vi1ee`.
 *
 * **Flow control.** A peer sends `data` only within the credit the receiver granted it: each
 * `credit` adds `b` bytes to the allowance and each `data` uses up the length of its `b`.
 *
 * **Decoding**, in this order; the first failure is the error and the peer is closed:
 * 1. a message longer than 263168 bytes (256 KiB + 1 KiB) is `too-large`, before any parsing;
 * 2. bytes that are not one canonical bencode dictionary are `malformed`;
 * 3. `v` missing or not an integer is `malformed`; any `v` other than 1 is `unsupported`;
 * 4. `t` missing or not a string is `malformed`; a `t` not listed above is `unsupported`;
 * 5. a missing or mistyped field, or a wrong fixed length, is `malformed`; a byte string, string
 *    or list over its limit is `too-large`; an out-of-range integer or an empty `want` or
 *    `dont-have` list is `malformed`.
 *
 * Byte strings in a decoded message are copies, independent of the input buffer. The encoder
 * checks its output against the decoder, so it never sends what a peer would reject, except that
 * it clips the display-only `ua` and `r` (bye) strings to their limits at a character boundary.
 */
import { encode, decode, type BInputDict } from './bencode';
import { PeerfoldError } from './errors';
import { ADDRESS_BYTES } from './objects';
import { asBytes, asDict, type Fields } from './schema';
import {
  MAC_BYTES,
  MAX_AGENT_BYTES,
  MAX_CREDIT,
  MAX_HEAD_BYTES,
  MAX_HEADS,
  MAX_MESSAGE_BYTES,
  MAX_OBJECT_BYTES,
  MAX_REASON_BYTES,
  MAX_WANT,
  NONCE_BYTES,
  PROTOCOL_VERSION,
  type WireMessage,
} from './wire-types';

export * from './wire-types';

/**
 * Encodes one message; a message that breaks a rule of the format is a PeerfoldError. With
 * `headroom`, that many bytes in front of the result's view are free for the transport.
 */
export function encodeMessage(message: WireMessage, headroom = 0): Uint8Array {
  const bytes = encode(toDict(message), headroom);
  parse(bytes, false);
  return bytes;
}

/**
 * Decodes one message received from a peer. Throws only PeerfoldError (`too-large`,
 * `malformed` or `unsupported`), whatever the input.
 */
export function decodeMessage(bytes: Uint8Array): WireMessage {
  return parse(bytes, true);
}

/**
 * decodeMessage for bytes handed over to the caller (nothing else writes to them): the byte
 * strings of the result are views into `bytes` instead of copies, so a block is not copied again.
 */
export function decodeOwnedMessage(bytes: Uint8Array): WireMessage {
  return parse(bytes, false);
}

/** Cuts `text` to at most `maxBytes` of UTF-8 at a character boundary; lone surrogates become U+FFFD. */
export function clipText(text: string, maxBytes: number): string {
  let out = '';
  let length = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    const surrogate = c >= 0xd800 && c <= 0xdfff;
    const n = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    if (length + n > maxBytes) break;
    out += surrogate ? '\ufffd' : ch;
    length += n;
  }
  return out;
}

function toDict(m: WireMessage): BInputDict {
  const head = { v: PROTOCOL_VERSION, t: m.type };
  switch (m.type) {
    case 'hello':
      return {
        ...head,
        n: m.nonce,
        r: m.role,
        ua: m.agent === undefined ? undefined : clipText(m.agent, MAX_AGENT_BYTES),
      };
    case 'proof':
      return { ...head, m: m.mac };
    case 'heads':
      return { ...head, h: m.heads };
    case 'want':
    case 'dont-have':
      return { ...head, a: m.addresses };
    case 'data':
      return { ...head, a: m.address, b: m.bytes };
    case 'credit':
      return { ...head, b: m.bytes };
    case 'bye':
      return { ...head, r: clipText(m.reason, MAX_REASON_BYTES) };
    default: {
      const unknown: { type?: unknown } = m;
      throw new PeerfoldError('malformed', `wire: no message type ${String(unknown.type)}`);
    }
  }
}

function parse(input: Uint8Array, copy: boolean): WireMessage {
  if (!(input instanceof Uint8Array)) throw new PeerfoldError('malformed', 'wire: not bytes');
  if (input.length > MAX_MESSAGE_BYTES) {
    throw new PeerfoldError(
      'too-large',
      `wire: message of ${input.length} bytes, at most ${MAX_MESSAGE_BYTES}`,
    );
  }
  try {
    return readMessage(asDict(decode(input), 'message'), copy ? own : same);
  } catch (e) {
    if (e instanceof PeerfoldError) throw e;
    // Defence in depth: nothing but a PeerfoldError leaves the edge (e.g. a RangeError).
    const name = e instanceof Error ? e.name : typeof e;
    throw new PeerfoldError('malformed', `wire: undecodable message (${name})`);
  }
}

const own = (b: Uint8Array): Uint8Array => b.slice();
const same = (b: Uint8Array): Uint8Array => b;

function readMessage(f: Fields, take: (b: Uint8Array) => Uint8Array): WireMessage {
  const v = f.raw('v');
  if (typeof v !== 'number') throw new PeerfoldError('malformed', 'message.v: expected a number');
  if (v !== PROTOCOL_VERSION) {
    throw new PeerfoldError('unsupported', `wire protocol version ${v} is not supported`);
  }
  const type = f.string('t', MAX_MESSAGE_BYTES);
  switch (type) {
    case 'hello': {
      const nonce = take(f.bytes('n', NONCE_BYTES));
      const role = f.string('r', 16);
      if (role !== 'write' && role !== 'read' && role !== 'store') {
        throw new PeerfoldError('malformed', `message.r: unknown role "${role.slice(0, 16)}"`);
      }
      if (!f.has('ua')) return { type, nonce, role };
      return { type, nonce, role, agent: f.string('ua', MAX_AGENT_BYTES) };
    }
    case 'proof':
      return { type, mac: take(f.bytes('m', MAC_BYTES)) };
    case 'heads': {
      const heads = f.list('h', MAX_HEADS).map((value, i) => {
        const head = asBytes(value, `message.h[${i}]`);
        if (head.length === 0) throw new PeerfoldError('malformed', `message.h[${i}]: empty`);
        if (head.length > MAX_HEAD_BYTES) {
          throw new PeerfoldError(
            'too-large',
            `message.h[${i}]: ${head.length} bytes, at most ${MAX_HEAD_BYTES}`,
          );
        }
        return take(head);
      });
      return { type, heads };
    }
    case 'want':
    case 'dont-have':
      return { type, addresses: addressList(f, take) };
    case 'data':
      return {
        type,
        address: take(f.bytes('a', ADDRESS_BYTES)),
        bytes: take(f.bytesMax('b', MAX_OBJECT_BYTES)),
      };
    case 'credit':
      return { type, bytes: f.int('b', 1, MAX_CREDIT) };
    case 'bye':
      return { type, reason: f.string('r', MAX_REASON_BYTES) };
    default:
      throw new PeerfoldError('unsupported', `wire: unknown message type "${type.slice(0, 32)}"`);
  }
}

function addressList(f: Fields, take: (b: Uint8Array) => Uint8Array): Uint8Array[] {
  const addresses = f.byteList('a', MAX_WANT, ADDRESS_BYTES);
  if (addresses.length === 0) throw new PeerfoldError('malformed', 'message.a: empty list');
  return addresses.map(take);
}
