import sodium from 'libsodium-wrappers';
import { describe, expect, it } from 'vitest';
import { concatBytes, utf8 } from '../../src/core/bytes';
import {
  createShare,
  discoveryKey,
  swarmAuthKey,
  toRead,
  toStore,
} from '../../src/core/capability';
import { hash, randomBytes } from '../../src/core/crypto';
import { PeerfoldError } from '../../src/core/errors';
import { PROOF_CONTEXT, checkProof, makeProof } from '../../src/core/proof';

const nonce = (): Uint8Array => randomBytes(32);

describe('capability proof', () => {
  it('is the documented keyed BLAKE2b over sender nonce then receiver nonce', () => {
    const key = swarmAuthKey(createShare());
    const [a, b] = [nonce(), nonce()];
    const context = utf8(PROOF_CONTEXT);
    const input = concatBytes(Uint8Array.of(context.length), context, a, b);
    expect(PROOF_CONTEXT).toBe('peerfold/v1/swarm-proof');
    expect(makeProof(key, a, b)).toEqual(sodium.crypto_generichash(32, input, key));
  });

  it('checks both ways between two holders of the share, whatever their role', () => {
    const write = createShare();
    const alice = swarmAuthKey(write);
    const bob = swarmAuthKey(toStore(toRead(write)));
    const [na, nb] = [nonce(), nonce()];
    const fromAlice = makeProof(alice, na, nb);
    const fromBob = makeProof(bob, nb, na);
    expect(checkProof(bob, na, nb, fromAlice)).toBe(true);
    expect(checkProof(alice, nb, na, fromBob)).toBe(true);
    expect(fromAlice).not.toEqual(fromBob);
  });

  it('fails when replayed in another session', () => {
    const key = swarmAuthKey(createShare());
    const [na, nb] = [nonce(), nonce()];
    const recorded = makeProof(key, na, nb);
    // the attacker replays Alice's hello and proof to Bob, who picked a fresh nonce
    const nb2 = nonce();
    expect(checkProof(key, na, nb2, recorded)).toBe(false);
    // or to Alice herself in a new session
    expect(checkProof(key, nb, nonce(), recorded)).toBe(false);
  });

  it('fails when reflected back to its maker', () => {
    const key = swarmAuthKey(createShare());
    const [na, nb] = [nonce(), nonce()];
    const fromAlice = makeProof(key, na, nb);
    // the peer sends Alice's own proof back: Alice checks it as coming from the peer
    expect(checkProof(key, nb, na, fromAlice)).toBe(false);
  });

  it('refuses a peer that echoes our nonce, which would make reflection work', () => {
    const key = swarmAuthKey(createShare());
    const na = nonce();
    const fromAlice = makeProof(key, na, na.slice());
    expect(checkProof(key, na.slice(), na, fromAlice)).toBe(false);
  });

  it('fails under another share key or with any bit changed', () => {
    const key = swarmAuthKey(createShare());
    const other = swarmAuthKey(createShare());
    const [na, nb] = [nonce(), nonce()];
    const mac = makeProof(key, na, nb);
    expect(checkProof(key, na, nb, mac)).toBe(true);
    expect(checkProof(other, na, nb, mac)).toBe(false);
    expect(checkProof(key, na, nb, makeProof(other, na, nb))).toBe(false);
    for (let bit = 0; bit < 256; bit += 7) {
      const flipped = mac.slice();
      flipped[bit >> 3]! ^= 1 << (bit & 7);
      expect(checkProof(key, na, nb, flipped)).toBe(false);
    }
    const flippedNonce = na.slice();
    flippedNonce[31]! ^= 1;
    expect(checkProof(key, flippedNonce, nb, mac)).toBe(false);
  });

  it('cannot be made from the discovery key alone', () => {
    const share = createShare();
    const key = swarmAuthKey(share);
    const dk = discoveryKey(share);
    const [na, nb] = [nonce(), nonce()];
    // what a tracker or DHT observer could try with the 20-byte discovery key
    const guesses = [
      concatBytes(dk, new Uint8Array(12)),
      hash('peerfold/v1/swarm-auth', 32, [dk]),
      hash('peerfold/v1/discovery', 32, [dk]),
    ];
    for (const guess of guesses) {
      expect(guess).not.toEqual(key);
      expect(checkProof(key, na, nb, makeProof(guess, na, nb))).toBe(false);
    }
    expect(() => makeProof(dk, na, nb)).toThrow(PeerfoldError);
  });

  it('returns false, never throws, on wrong lengths', () => {
    const key = swarmAuthKey(createShare());
    const [na, nb] = [nonce(), nonce()];
    const mac = makeProof(key, na, nb);
    expect(checkProof(key, na, nb, mac.subarray(0, 31))).toBe(false);
    expect(checkProof(key, na, nb, concatBytes(mac, Uint8Array.of(0)))).toBe(false);
    expect(checkProof(key, na, nb, new Uint8Array(0))).toBe(false);
    expect(checkProof(key, na.subarray(0, 16), nb, mac)).toBe(false);
    expect(checkProof(key, na, nb.subarray(0, 16), mac)).toBe(false);
    expect(checkProof(key.subarray(0, 16), na, nb, mac)).toBe(false);
    expect(() => makeProof(key, na.subarray(1), nb)).toThrow(PeerfoldError);
    expect(() => makeProof(key, na, new Uint8Array(64))).toThrow(PeerfoldError);
  });
});
