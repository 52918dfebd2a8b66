import { beforeAll, describe, expect, it } from 'vitest';
import { encode, type BInput } from '../../src/core/bencode';
import { toHex, utf8 } from '../../src/core/bytes';
import { PeerfoldError } from '../../src/core/errors';
import { matchesAddress, open, seal, type Address } from '../../src/core/objects';
import { decode } from '../../src/core/bencode';
import {
  buildTree,
  decodeNode,
  MAX_NODE_BYTES,
  nodeLinks,
  readNode,
  reachable,
  treeKeys,
  type NodeExpect,
  type TreeContext,
  type TreeKeys,
} from '../../src/core/tree';
import { fuzzInputs, parsesOrTypedError } from '../helpers/fuzz';
import { MemoryObjectStore } from '../helpers/memory-store';
import {
  collect,
  context,
  DEVICE,
  fileEntry,
  manyPaths,
  readKey,
  tombstone,
} from './tree-fixtures';
import { errorOf } from '../helpers/errors';

function craft(keys: TreeKeys, l: number, c: Address[], b: Address[], secret: BInput): Uint8Array {
  return encode({ v: 1, l, c, b, x: seal(keys.seal, encode(secret)) });
}

const A = new Uint8Array(32).fill(0xaa);
const B = new Uint8Array(32).fill(0xbb);
const E1 = new Uint8Array(32).fill(0xee);
const entry = (p: string, extra: Record<string, BInput | undefined> = {}): BInput => ({
  p,
  k: 'f',
  s: 10,
  m: 5,
  x: 0,
  b: [[0, 10]],
  v: { [DEVICE]: 1 },
  d: DEVICE,
  ...extra,
});

describe('node validation', () => {
  let keys: TreeKeys;
  beforeAll(() => {
    keys = treeKeys(readKey());
  });

  it('decodes a well-formed leaf, internal node and extent', () => {
    const leaf = decodeNode(keys, craft(keys, 0, [], [A], { e: [entry('a'), entry('b')] }));
    expect(leaf.kind).toBe('leaf');
    const internal = decodeNode(keys, craft(keys, 1, [A, B], [], { k: [utf8('a'), utf8('b')] }));
    expect(internal).toEqual({
      kind: 'internal',
      level: 1,
      children: [
        { key: 'a', address: A },
        { key: 'b', address: B },
      ],
    });
    const extent = decodeNode(keys, craft(keys, -1, [], [A, B], { s: [1, 2] }), { level: -1 });
    expect(extent.kind).toBe('extent');
  });

  const leafCases: [string, () => Uint8Array, string, NodeExpect?][] = [
    [
      'entries out of order',
      () => craft(keys, 0, [], [A], { e: [entry('b'), entry('a')] }),
      'out of order',
    ],
    [
      'a repeated path',
      () => craft(keys, 0, [], [A], { e: [entry('a'), entry('a')] }),
      'out of order',
    ],
    ['a path with ..', () => craft(keys, 0, [], [A], { e: [entry('a/../../x')] }), "'..' segment"],
    ['an absolute path', () => craft(keys, 0, [], [A], { e: [entry('/etc/passwd')] }), 'absolute'],
    ['a reserved name', () => craft(keys, 0, [], [A], { e: [entry('NUL')] }), 'reserved'],
    [
      'a block index out of range',
      () => craft(keys, 0, [], [A], { e: [entry('a', { b: [[1, 10]] })] }),
      'outside',
    ],
    [
      'block indexes not in first-use order',
      () => craft(keys, 0, [], [A, B], { e: [entry('a', { b: [[1, 10]] }), entry('b')] }),
      'first use',
    ],
    ['an unused block address', () => craft(keys, 0, [], [A, B], { e: [entry('a')] }), 'unused'],
    [
      'a repeated block address',
      () =>
        craft(keys, 0, [], [A, A], {
          e: [
            entry('a', {
              s: 20,
              b: [
                [0, 10],
                [1, 10],
              ],
            }),
          ],
        }),
      'repeated',
    ],
    [
      'a size that is not the sum of blocks',
      () => craft(keys, 0, [], [A], { e: [entry('a', { s: 11 })] }),
      'sum',
    ],
    [
      'a block of size 0',
      () => craft(keys, 0, [], [A], { e: [entry('a', { s: 0, b: [[0, 0]] })] }),
      'outside',
    ],
    ['a bad device id', () => craft(keys, 0, [], [A], { e: [entry('a', { d: 'XYZ' })] }), 'device'],
    [
      'a bad device id in the version',
      () => craft(keys, 0, [], [A], { e: [entry('a', { v: { nothex: 1 } })] }),
      'device',
    ],
    [
      'a zero counter',
      () => craft(keys, 0, [], [A], { e: [entry('a', { v: { [DEVICE]: 0 } })] }),
      'outside',
    ],
    [
      'a fractional-looking negative counter',
      () => craft(keys, 0, [], [A], { e: [entry('a', { v: { [DEVICE]: -3 } })] }),
      'outside',
    ],
    [
      'a tombstone flag other than 1',
      () => craft(keys, 0, [], [A], { e: [entry('a', { t: 2 })] }),
      'outside',
    ],
    [
      'an empty block list written out',
      () => craft(keys, 0, [], [], { e: [entry('a', { s: 0, b: [] })] }),
      'left out',
    ],
    [
      'a directory with content',
      () => craft(keys, 0, [], [A], { e: [entry('a', { k: 'd' })] }),
      'no content',
    ],
    [
      'an unknown kind',
      () => craft(keys, 0, [], [A], { e: [entry('a', { k: 'x' })] }),
      "'f' or 'd'",
    ],
    [
      'both inline blocks and extents',
      () => craft(keys, 0, [E1], [A], { e: [entry('a', { e: [0] })] }),
      'both',
    ],
    [
      'a missing field',
      () => craft(keys, 0, [], [A], { e: [entry('a', { m: undefined })] }),
      'expected a number',
    ],
    [
      'a leaf at the wrong level',
      () => craft(keys, 0, [], [A], { e: [entry('a')] }),
      'level 0',
      { level: 1 },
    ],
    [
      'a key before its range',
      () => craft(keys, 0, [], [A], { e: [entry('a')] }),
      'before',
      { level: 0, after: 'b', last: 'a' },
    ],
    [
      'a last key other than the parent says',
      () => craft(keys, 0, [], [A], { e: [entry('a')] }),
      'last key',
      { level: 0, last: 'b' },
    ],
    [
      'an empty leaf below the root',
      () => craft(keys, 0, [], [], { e: [] }),
      'empty',
      { level: 0, last: 'a' },
    ],
    [
      'keys that do not match children',
      () => craft(keys, 1, [A, B], [], { k: [utf8('a')] }),
      'do not match',
    ],
    [
      'internal keys out of order',
      () => craft(keys, 1, [A, B], [], { k: [utf8('b'), utf8('a')] }),
      'out of order',
    ],
    [
      'an internal key with a NUL',
      () => craft(keys, 1, [A], [], { k: [utf8('a\u0000')] }),
      'control',
    ],
    [
      'an internal node with blocks',
      () => craft(keys, 1, [A], [B], { k: [utf8('a')] }),
      'with blocks',
    ],
    [
      'an internal node without children',
      () => craft(keys, 1, [], [], { k: [] }),
      'without children',
    ],
    ['an extent as a root', () => craft(keys, -1, [], [A], { s: [1] }), 'root'],
    [
      'an extent with a bad size list',
      () => craft(keys, -1, [], [A, B], { s: [1] }),
      'sizes',
      { level: -1 },
    ],
    [
      'an extent continuing past its end',
      () => craft(keys, -1, [], [Uint8Array.from([0, ...A.subarray(1)]), B], { s: [1, 1] }),
      'continues',
      { level: -1 },
    ],
    [
      'an extent with children',
      () => craft(keys, -1, [A], [B], { s: [1] }),
      'with children',
      { level: -1 },
    ],
    ['a level beyond the limit', () => craft(keys, 65, [A], [], { k: [utf8('a')] }), 'outside'],
    [
      'an address of the wrong length',
      () =>
        encode({ v: 1, l: 0, c: [], b: [A.subarray(1)], x: seal(keys.seal, encode({ e: [] })) }),
      'expected 32 bytes',
    ],
  ];

  it.each(leafCases)('rejects %s', (_, make, message, expect_) => {
    const e = errorOf(() => decodeNode(keys, make(), expect_));
    expect(e.code).toBe('malformed');
    expect(e.message).toContain(message);
  });

  it('rejects other versions, oversize nodes, foreign keys and broken seals', () => {
    expect(errorOf(() => decodeNode(keys, encode({ v: 2, l: 0, c: [], b: [], x: 'x' }))).code).toBe(
      'unsupported',
    );
    const big = craft(keys, 0, [], [], { e: [], pad: new Uint8Array(MAX_NODE_BYTES) });
    expect(errorOf(() => decodeNode(keys, big)).code).toBe('too-large');
    expect(errorOf(() => nodeLinks(big)).code).toBe('too-large');
    const node = craft(keys, 0, [], [A], { e: [entry('a')] });
    expect(errorOf(() => decodeNode(treeKeys(readKey(2)), node)).code).toBe('decrypt-failed');
    const garbage = encode({ v: 1, l: 0, c: [], b: [], x: new Uint8Array(60) });
    expect(errorOf(() => decodeNode(keys, garbage)).code).toBe('decrypt-failed');
    expect(errorOf(() => decodeNode(keys, craft(keys, 0, [], [], [1, 2]))).code).toBe('malformed');
  });

  it('ignores unknown fields (forward compatibility) but they change the address', () => {
    const plain = craft(keys, 0, [], [A], { e: [entry('a')] });
    const extra = craft(keys, 0, [], [A], { e: [entry('a', { z: 1 })], future: 1 });
    expect(decodeNode(keys, extra)).toEqual(decodeNode(keys, plain));
  });
});

describe('damaged and hostile nodes', () => {
  let ctx: TreeContext;
  let store: MemoryObjectStore;
  let samples: Uint8Array[];

  beforeAll(async () => {
    store = new MemoryObjectStore();
    ctx = context(store);
    const entries = manyPaths(300).map((p, i) => fileEntry(p, { blocks: i % 40 === 0 ? 300 : 2 }));
    entries.push(tombstone('zz/deleted'));
    await buildTree(ctx, entries);
    await buildTree(ctx, []);
    await buildTree(ctx, [fileEntry('one')]);
    samples = [...store.objects.values()];
  });

  it('detects a bit flipped anywhere in a node', async () => {
    const leaf = await buildTree(ctx, [fileEntry('a/b', { blocks: 2 }), tombstone('c')]);
    const bytes = (await store.get(leaf))!;
    let decodedAnyway = 0;
    for (let bit = 0; bit < bytes.length * 8; bit++) {
      const flipped = bytes.slice();
      flipped[bit >> 3]! ^= 1 << (bit & 7);
      expect(matchesAddress(leaf, flipped)).toBe(false);
      // a store that returns the damaged bytes for the address: the read fails, typed
      const damaged = new MemoryObjectStore();
      damaged.objects.set(toHex(leaf), flipped);
      await expect(readNode({ ...ctx, store: damaged }, leaf)).rejects.toSatisfy(
        (e) => e instanceof PeerfoldError && e.code === 'bad-address',
      );
      // decoded without the address check, only a flip in a clear address goes unnoticed,
      // and it shows in the links (so the address check above is what catches it)
      try {
        decodeNode(ctx.keys, flipped);
        decodedAnyway++;
        expect(toHex(encode(nodeLinks(flipped).blocks))).not.toBe(
          toHex(encode(nodeLinks(bytes).blocks)),
        );
      } catch (e) {
        expect(e).toBeInstanceOf(PeerfoldError);
      }
    }
    expect(decodedAnyway).toBeLessThanOrEqual(2 * 32 * 8);
  });

  it('fuzz: decodeNode and nodeLinks never throw untyped, never hang', () => {
    const started = performance.now();
    let ok = 0;
    for (const input of fuzzInputs(samples, 3000, 7)) {
      parsesOrTypedError(() => nodeLinks(input));
      if (parsesOrTypedError(() => decodeNode(ctx.keys, input)) === 'ok') ok++;
      parsesOrTypedError(() => decodeNode(ctx.keys, input, { level: 0, last: 'x' }));
    }
    console.log(`fuzzed 3000 whole nodes in ${(performance.now() - started).toFixed(0)} ms`);
    expect(performance.now() - started).toBeLessThan(30_000);
    expect(ok).toBeLessThan(3000);
  });

  it('fuzz: damaged secrets sealed with the right key are rejected, typed', () => {
    // mutate the plaintext inside x and seal it again: this reaches the entry decoder
    const parts = samples.map((bytes) => {
      const node = decode(bytes) as Record<string, BInput>;
      return { node, secret: open(ctx.keys.seal, node.x as Uint8Array) };
    });
    const started = performance.now();
    const outcomes = { ok: 0, error: 0 };
    const perNode = Math.ceil(3000 / parts.length);
    parts.forEach(({ node, secret }, n) => {
      for (const fuzzed of fuzzInputs([secret], perNode, 100 + n)) {
        const resealed = encode({ ...node, x: seal(ctx.keys.seal, fuzzed) });
        outcomes[parsesOrTypedError(() => decodeNode(ctx.keys, resealed))]++;
      }
    });
    console.log(
      `fuzzed ${outcomes.ok + outcomes.error} secrets: ${outcomes.ok} decoded, ${outcomes.error} rejected`,
    );
    expect(performance.now() - started).toBeLessThan(30_000);
    expect(outcomes.error).toBeGreaterThan(1000);
    expect(outcomes.ok).toBeGreaterThan(0);
  });

  it('reachable and nodeLinks need no read key', async () => {
    const root = await buildTree(ctx, [fileEntry('x', { blocks: 200 })]);
    const listed = await collect(reachable(store, root, { checkBlocks: false }));
    expect(listed.filter((r) => r.kind === 'node').length).toBeGreaterThanOrEqual(2);
    expect(listed.filter((r) => r.kind === 'block')).toHaveLength(200);
  });
});
