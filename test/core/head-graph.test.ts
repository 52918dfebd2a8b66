import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes';
import { createShare, type WriteCapability } from '../../src/core/capability';
import { isPeerfoldError } from '../../src/core/errors';
import { decodeSignedHead, encodeSignedHead, signHead, type SignedHead } from '../../src/core/head';
import { HeadGraph } from '../../src/core/head-graph';

const DEVICE = '0123456789abcdef';
let cap: WriteCapability;
let serial = 0;
beforeAll(() => {
  cap = createShare();
});

/** A head over `parents` with a fresh root; seq defaults to one above the highest parent. */
function mk(parents: SignedHead[] = [], seq?: number): SignedHead {
  const root = new Uint8Array(32);
  new DataView(root.buffer).setUint32(0, ++serial);
  const s = seq ?? Math.max(0, ...parents.map((p) => p.head.seq)) + 1;
  return signHead(cap, {
    seq: s,
    parents: parents.map((p) => p.id),
    root,
    time: 0,
    device: DEVICE,
  });
}
const ids = (heads: SignedHead[]): string[] => heads.map((h) => toHex(h.id));
const sorted = (heads: SignedHead[]): string[] => ids(heads).sort();
function graphOf(...heads: SignedHead[]): HeadGraph {
  const g = new HeadGraph();
  for (const h of heads) g.add(h);
  return g;
}

describe('HeadGraph', () => {
  it('a chain: only the tip is in the frontier; supersession follows ancestry', () => {
    const a = mk();
    const b = mk([a]);
    const c = mk([b]);
    const g = graphOf(a, b, c);
    expect(ids(g.frontier())).toEqual(ids([c]));
    expect(g.supersedes(c.id, a.id)).toBe(true);
    expect(g.supersedes(b.id, a.id)).toBe(true);
    expect(g.supersedes(a.id, c.id)).toBe(false);
    expect(g.supersedes(c.id, c.id)).toBe(false);
    expect(g.size).toBe(3);
    expect(g.add(b)).toBe(false);
    expect(g.size).toBe(3);
  });

  it('a fork has two tips, sorted by id, until a merge head joins them', () => {
    const a = mk();
    const [b, c] = [mk([a]), mk([a])];
    const g = graphOf(c, a, b);
    expect(ids(g.frontier())).toEqual(sorted([b, c]));
    expect(g.supersedes(b.id, c.id)).toBe(false);
    const d = mk([b, c]);
    expect(d.head.seq).toBe(3);
    expect(g.add(d)).toBe(true);
    expect(ids(g.frontier())).toEqual(ids([d]));
    expect(g.supersedes(d.id, a.id)).toBe(true);
  });

  it('a parent supersedes by id before its body arrives', () => {
    const a = mk();
    const b = mk([a]);
    const c = mk([b]);
    const g = graphOf(a, c);
    expect(ids(g.frontier())).toEqual(sorted([a, c]));
    expect(g.supersedes(c.id, b.id)).toBe(true);
    expect(g.supersedes(c.id, a.id)).toBe(false);
    expect(g.has(b.id)).toBe(false);
    g.add(b);
    expect(ids(g.frontier())).toEqual(ids([c]));
    expect(g.supersedes(c.id, a.id)).toBe(true);
  });

  it('rejects a seq not above a known parent, whichever arrives first', () => {
    const a = mk();
    const b = mk([a]);
    const bad = mk([b], 2);
    const g = graphOf(a, b);
    expect(() => g.add(bad)).toThrow(expect.objectContaining({ code: 'malformed' }));
    expect(g.has(bad.id)).toBe(false);
    const g2 = graphOf(a, bad);
    try {
      g2.add(b);
      expect.unreachable();
    } catch (e) {
      expect(isPeerfoldError(e, 'malformed')).toBe(true);
    }
    expect(ids(g2.frontier())).toEqual(sorted([a, bad]));
    expect(g2.size).toBe(2);
  });

  it('builds the next head over the frontier, verifiable with the public key', () => {
    const g = new HeadGraph();
    const root = new Uint8Array(32).fill(7);
    const first = g.nextHead(cap, root, DEVICE, 123);
    expect(first.head).toEqual({ seq: 1, parents: [], root, time: 123, device: DEVICE });
    const a = mk();
    const b = mk([mk([a])]);
    g.add(a);
    g.add(b);
    const next = g.nextHead(cap, root, DEVICE, 456);
    expect(next.head.seq).toBe(b.head.seq + 1);
    expect(next.head.parents.map(toHex)).toEqual(sorted([a, b]));
    expect(g.has(next.id)).toBe(false);
    const back = decodeSignedHead(cap.publicKey, encodeSignedHead(next));
    expect(g.add(back)).toBe(true);
    expect(ids(g.frontier())).toEqual(ids([next]));
  });

  it('caps a new head at 64 parents, the first by id', () => {
    const tips = Array.from({ length: 70 }, () => mk());
    const g = graphOf(...tips);
    const next = g.nextHead(cap, new Uint8Array(32), DEVICE, 1);
    expect(next.head.parents.map(toHex)).toEqual(sorted(tips).slice(0, 64));
    g.add(next);
    expect(ids(g.frontier())).toEqual([...sorted(tips).slice(64), toHex(next.id)].sort());
  });

  it('handles thousands of heads in a long chain', () => {
    const heads = [mk()];
    for (let i = 1; i < 3000; i++) heads.push(mk([heads[i - 1]!, ...(i % 7 ? [] : [mk()])]));
    const g = graphOf(...[...heads].reverse());
    expect(ids(g.frontier())).toEqual(ids([heads.at(-1)!]));
    expect(g.supersedes(heads.at(-1)!.id, heads[0]!.id)).toBe(true);
    expect(g.supersedes(heads[1500]!.id, heads[2000]!.id)).toBe(false);
  });

  it('has the same frontier whatever order heads arrive in', () => {
    const dag = fc.array(fc.array(fc.nat(), { maxLength: 3 }), { minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(dag, fc.nat(), fc.nat(), (spec, s1, s2) => {
        const heads: SignedHead[] = [];
        spec.forEach((picks, i) => {
          const parents = i === 0 ? [] : [...new Set(picks.map((p) => heads[p % i]!))];
          heads.push(mk(parents));
        });
        const shuffle = (seed: number): SignedHead[] =>
          heads
            .map((h, i) => [h, (i * 7919 + seed) % 10007] as const)
            .sort((x, y) => x[1] - y[1])
            .map(([h]) => h);
        const f1 = ids(graphOf(...shuffle(s1)).frontier());
        expect(ids(graphOf(...shuffle(s2)).frontier())).toEqual(f1);
        const parentIds = new Set(heads.flatMap((h) => h.head.parents.map(toHex)));
        expect(f1).toEqual(sorted(heads.filter((h) => !parentIds.has(toHex(h.id)))));
        const g = graphOf(...heads);
        for (const h of heads) {
          const tip = f1.includes(toHex(h.id));
          expect(tip).toBe(!heads.some((o) => g.supersedes(o.id, h.id)));
        }
      }),
      { numRuns: 60 },
    );
  });
  it('refuses a head for good: its parents return to the frontier, it is never added again', () => {
    const a = mk();
    const [b, c] = [mk([a]), mk([a])];
    const bad = mk([b, c]);
    const g = graphOf(a, b, c, bad);
    expect(ids(g.frontier())).toEqual(ids([bad]));
    expect(g.refuse(bad.id)).toBe(true);
    expect(g.has(bad.id)).toBe(false);
    expect(g.isRefused(bad.id)).toBe(true);
    expect(ids(g.frontier())).toEqual(sorted([b, c]));
    expect(g.add(bad)).toBe(false);
    expect(ids(g.frontier())).toEqual(sorted([b, c]));
    expect(g.refuse(bad.id)).toBe(false);
    expect(g.refused()).toEqual([toHex(bad.id)]);
    // A later head over the restored frontier is accepted as usual.
    const d = mk([b, c]);
    expect(g.add(d)).toBe(true);
    expect(ids(g.frontier())).toEqual(ids([d]));
  });

  it('a refused head keeps a parent that another head lists out of the frontier', () => {
    const a = mk();
    const b = mk([a]);
    const bad = mk([a]);
    const g = graphOf(a, b, bad);
    g.refuse(bad.id);
    expect(ids(g.frontier())).toEqual(ids([b]));
    // Refused before it was ever seen: never added.
    const later = mk([b]);
    const g2 = new HeadGraph();
    g2.refuse(later.id);
    expect(g2.add(a)).toBe(true);
    expect(g2.add(later)).toBe(false);
    expect(ids(g2.frontier())).toEqual(ids([a]));
  });
});
