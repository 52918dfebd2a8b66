import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { conflictPath } from '../../src/core/conflict';
import type { Entry, VersionVector } from '../../src/core/entry';
import { conflictTag, entryKey, mergeMaps, mergePath } from '../../src/core/merge';
import { bumpVersion } from '../../src/core/version';
import { prng } from '../helpers/fuzz';

const A = 'aaaaaaaaaaaaaaaa';
const B = 'bbbbbbbbbbbbbbbb';
const C = 'cccccccccccccccc';
const T = Date.UTC(2024, 0, 2, 3, 4, 5);

interface Opts {
  v: VersionVector;
  device?: string;
  mtime?: number;
  content?: number;
  deleted?: boolean;
  kind?: 'file' | 'dir';
}
function entry(path: string, o: Opts): Entry {
  const keys = Object.keys(o.v);
  if (!o.device && keys.length !== 1) throw new Error('say which device wrote it');
  const device = o.device ?? keys[0]!;
  const file = !o.deleted && o.kind !== 'dir';
  return {
    path,
    kind: o.kind ?? 'file',
    size: file ? 10 : 0,
    mtime: o.mtime ?? T,
    executable: false,
    blocks: file ? [{ address: new Uint8Array(32).fill(o.content ?? 1), size: 10 }] : [],
    version: o.v,
    device,
    deleted: o.deleted ?? false,
  };
}
const mapOf = (...es: Entry[]): Map<string, Entry> => new Map(es.map((e) => [e.path, e]));
const at = (e: Entry, path: string): Entry => ({ ...e, path });
const merged = (...maps: Map<string, Entry>[]): Entry[] => [...mergeMaps(maps).values()];
const live = (es: Entry[]): string[] => es.filter((e) => !e.deleted).map((e) => e.path);

describe('mergePath', () => {
  it('drops dominated versions and orders the rest (live, mtime, device, bytes)', () => {
    const old = entry('p', { v: { [A]: 1 } });
    const next = entry('p', { v: { [A]: 2 }, mtime: T - 5000 });
    const other = entry('p', { v: { [B]: 1 }, mtime: T });
    const tomb = entry('p', { v: { [C]: 1 }, mtime: T + 9000, deleted: true });
    const { winner, losers } = mergePath([old, tomb, other, next, other]);
    expect(winner).toBe(other);
    expect(losers).toEqual([next, tomb]);
    expect(mergePath([old, next]).losers).toEqual([]);
  });

  it('breaks an mtime tie by device, then by the canonical bytes', () => {
    const a = entry('p', { v: { [A]: 1 } });
    const b = entry('p', { v: { [B]: 1 } });
    expect(mergePath([a, b]).winner).toBe(b);
    const x = entry('p', { v: { [A]: 1, [B]: 1 }, device: A, content: 1 });
    const y = entry('p', { v: { [A]: 1, [B]: 1 }, device: A, content: 2 });
    const first = mergePath([x, y]).winner;
    expect(mergePath([y, x]).winner).toBe(first);
    expect(first).toBe(y); // the greater encoding: its block address is 0x02...
    // versions that claim to have seen each other (a broken writer) are all kept
    const p = entry('p', { v: { [A]: 1, [B]: 1 }, device: A, mtime: T + 1 });
    const q = entry('p', { v: { [A]: 1, [B]: 1 }, device: B });
    expect(mergePath([q, p])).toEqual({ winner: p, losers: [q] });
  });
});

describe('mergeMaps tables', () => {
  it('a dominating version wins and the older one vanishes', () => {
    const a = entry('p', { v: { [A]: 1 } });
    const b = entry('p', { v: { [A]: 1, [B]: 1 }, device: B, mtime: T - 60_000 });
    expect(merged(mapOf(a), mapOf(b))).toEqual([b]);
  });

  it('concurrent edits: the newer mtime wins, the other is a copy with its exact name', () => {
    const a = entry('docs/report.txt', { v: { [A]: 1 }, mtime: T + 1000 });
    const b = entry('docs/report.txt', { v: { [B]: 1 }, mtime: T + 678 });
    const copy = at(b, 'docs/report.sync-conflict-20240102-030405-bbbbbbb.txt');
    expect(mergeMaps([mapOf(b), mapOf(a)])).toEqual(mapOf(a, copy));
    expect(mergeMaps([mapOf(a), mapOf(b)]).get('docs/report.txt')).toBe(a);
  });

  it('an edit beats a concurrent delete, even an older edit', () => {
    const base = { [A]: 1 };
    const edit = entry('p.md', { v: { ...base, [B]: 1 }, device: B, mtime: T });
    const del = entry('p.md', {
      v: { ...base, [C]: 1 },
      device: C,
      mtime: T + 3600_000,
      deleted: true,
    });
    const out = merged(mapOf(del), mapOf(edit));
    expect(live(out)).toEqual(['p.md']);
    expect(out[0]).toBe(edit);
    // the tombstone stays, invisible, at its copy name, and keeps retiring what it deleted
    expect(out[1]).toEqual(at(del, conflictPath('p.md', del.mtime, C)));
    const stale = entry('p.md', { v: base, content: 9 });
    expect(mergeMaps([mergeMaps([mapOf(del), mapOf(edit)]), mapOf(stale)])).toEqual(
      mergeMaps([mapOf(del), mapOf(edit)]),
    );
  });

  it('delete + delete leaves a tombstone and no file', () => {
    const d1 = entry('p', { v: { [A]: 2 }, deleted: true, mtime: T });
    const d2 = entry('p', { v: { [A]: 1, [B]: 1 }, device: B, deleted: true, mtime: T + 1 });
    const out = merged(mapOf(d1), mapOf(d2));
    expect(live(out)).toEqual([]);
    expect(out[0]).toBe(d2);
  });

  it('three concurrent edits: a winner and two copies', () => {
    const es = [A, B, C].map((d, i) => entry('x/y', { v: { [d]: 1 }, mtime: T + i * 1000 }));
    const out = merged(...es.map((e) => mapOf(e)));
    expect(out.map((e) => e.path)).toEqual([
      'x/y',
      'x/y.sync-conflict-20240102-030405-aaaaaaa',
      'x/y.sync-conflict-20240102-030406-bbbbbbb',
    ]);
    expect(out[0]).toBe(es[2]);
  });

  it('tags a copy name that another version already took', () => {
    const [d1, d2, d3] = ['00000000000000a1', '00000000000000b2', 'ffffffffffffffff'];
    const x = entry('n.txt', { v: { [d1]: 1 }, mtime: T + 100 });
    const y = entry('n.txt', { v: { [d2]: 1 }, mtime: T + 200 });
    const w = entry('n.txt', { v: { [d3]: 1 }, mtime: T + 5000 });
    const short = 'n.sync-conflict-20240102-030405-0000000.txt';
    const tagged = conflictPath('n.txt', x.mtime, d1, conflictTag(x));
    expect(tagged).toMatch(/^n\.sync-conflict-20240102-030405-0000000-[0-9a-f]{8}\.txt$/);
    const out = mergeMaps([mapOf(x), mapOf(y), mapOf(w)]);
    expect(out).toEqual(mapOf(w, at(y, short), at(x, tagged)));
    expect(mergeMaps([out, mapOf(x)])).toEqual(out);
    // a file of that very name pushes the copy to its tagged name too
    const squatter = entry(short, { v: { [d3]: 2 }, mtime: T });
    const out2 = mergeMaps([mapOf(y), mapOf(w, squatter)]);
    expect(out2).toEqual(
      mapOf(w, squatter, at(y, conflictPath('n.txt', y.mtime, d2, conflictTag(y)))),
    );
    expect(mergeMaps([out2, mapOf(y)])).toEqual(out2);
  });

  it('identical entries merge to one', () => {
    const a = entry('p', { v: { [A]: 3 } });
    expect(merged(mapOf(a), mapOf({ ...a }), mapOf(a))).toEqual([a]);
  });

  it('a file clashing with a directory moves to its copy name, where it can be edited', () => {
    const file = entry('a', { v: { [A]: 1 }, mtime: T + 5000 });
    const child = entry('a/b', { v: { [B]: 1 } });
    const dir = entry('a', { v: { [B]: 1 }, kind: 'dir' });
    const copy = 'a.sync-conflict-20240102-030410-aaaaaaa';
    const m = mergeMaps([mapOf(file), mapOf(child)]);
    expect(m).toEqual(mapOf(at(file, copy), child));
    const out = mergeMaps([mapOf(file), mapOf(dir, child)]);
    expect([...out.keys()]).toEqual(['a', copy, 'a/b']);
    expect(out.get('a')).toBe(dir);
    expect(mergeMaps([out, mapOf(file)])).toEqual(out);
    // B edits the moved file: a stale map still holding it at 'a' does not bring it back
    const edit = entry(copy, { v: { [A]: 1, [B]: 2 }, device: B, mtime: T + 9000, content: 4 });
    const edited = mapOf(edit, child);
    expect(mergeMaps([edited, mapOf(file), m])).toEqual(edited);
  });

  it('editing the current file keeps the conflict copies; deleting a copy retires it', () => {
    const a = entry('p', { v: { [A]: 1 }, mtime: T });
    const b = entry('p', { v: { [B]: 1 }, mtime: T + 1000 });
    const m = mergeMaps([mapOf(a), mapOf(b)]);
    const copy = conflictPath('p', T, A);
    expect(m.get(copy)).toEqual(at(a, copy));
    // A edits the winner: its version also covers A's own lost write, yet the copy stays
    const edit = entry('p', {
      v: bumpVersion(b.version, A, 1),
      device: A,
      mtime: T + 2000,
      content: 3,
    });
    const afterEdit = new Map(m).set('p', edit);
    expect(mergeMaps([afterEdit, mapOf(a), mapOf(b), m])).toEqual(afterEdit);
    // B deletes the copy: stale maps holding the lost version do not bring it back
    const del = entry(copy, {
      v: bumpVersion(a.version, B),
      device: B,
      mtime: T + 3000,
      deleted: true,
    });
    const afterDelete = new Map(m).set(copy, del);
    expect(mergeMaps([afterDelete, mapOf(a), m])).toEqual(afterDelete);
  });

  it('does not depend on grouping when a version was superseded before meeting its rival', () => {
    const a = mapOf(entry('p', { v: { [A]: 1 }, mtime: T + 1000 }));
    const b = mapOf(entry('p', { v: { [B]: 1 }, mtime: T }));
    const b2 = mapOf(entry('p', { v: { [B]: 1, [C]: 1 }, device: C, mtime: T + 2000, content: 2 }));
    const flat = mergeMaps([a, b, b2]);
    expect(mergeMaps([mergeMaps([a, b]), b2])).toEqual(flat);
    expect(mergeMaps([mergeMaps([b, b2]), a])).toEqual(flat);
    expect(live([...flat.values()])).toEqual(['p', conflictPath('p', T + 1000, A)]);
  });
});

type Op =
  | { op: 'write'; dev: number; path: number; content: number; del: boolean; sec: number }
  | { op: 'sync'; from: number; to: number };

const PATHS = ['a', 'd', 'd/f.tar.gz'];
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    op: fc.constant('write' as const),
    dev: fc.nat(3),
    path: fc.nat(PATHS.length - 1),
    content: fc.nat(3),
    del: fc.nat(3).map((n) => n === 0),
    sec: fc.nat(2),
  }),
  fc.record({ op: fc.constant('sync' as const), from: fc.nat(3), to: fc.nat(3) }),
);

function simulate(deviceCount: number, ops: readonly Op[]) {
  const devices = [A, B, C].slice(0, deviceCount).map((id) => {
    return { id, map: new Map<string, Entry>(), counter: 0, ops: 0 };
  });
  const writes: Entry[] = [];
  const overwritten = new Set<string>();
  const key = (e: Entry): string => entryKey(e).join();
  for (const o of ops) {
    if (o.op === 'sync') {
      const [from, to] = [devices[o.from % deviceCount]!, devices[o.to % deviceCount]!];
      to.map = mergeMaps([to.map, from.map]);
      continue;
    }
    const d = devices[o.dev % deviceCount]!;
    const path = PATHS[o.path]!;
    const base = d.map.get(path);
    if (o.del && (!base || base.deleted)) continue;
    const version = bumpVersion(base?.version ?? {}, d.id, d.counter);
    d.counter = version[d.id]!;
    const e = entry(path, {
      v: version,
      device: d.id,
      mtime: T + (++d.ops * 3 + o.sec) * 1000,
      content: o.content,
      deleted: o.del,
    });
    if (base) overwritten.add(key(base));
    writes.push(e);
    d.map.set(path, e);
  }
  return { finals: devices.map((d) => d.map), writes, overwritten, key };
}

describe('mergeMaps properties', () => {
  it('is stable under re-merging even with shared device prefixes and reused counters', () => {
    const devs = ['00000000000000a1', '00000000000000b2', '00000000000000c3'];
    const file = fc.record({
      path: fc.constantFrom('a.txt', 'dir', 'dir/c', 'dir/d.md'),
      counter: fc.integer({ min: 1, max: 3 }),
      sec: fc.nat(3),
      deleted: fc.boolean(),
    });
    const view = fc.record({
      device: fc.constantFrom(...devs),
      files: fc.uniqueArray(file, { selector: (f) => f.path, maxLength: 4 }),
    });
    fc.assert(
      fc.property(fc.array(view, { minLength: 1, maxLength: 5 }), (views) => {
        const maps = views.map(({ device, files }) =>
          mapOf(
            ...files.map((f) =>
              entry(f.path, { v: { [device]: f.counter }, mtime: T + f.sec * 1000, ...f }),
            ),
          ),
        );
        const m = mergeMaps(maps);
        expect(mergeMaps([...maps].reverse())).toEqual(m);
        for (const x of maps) expect(mergeMaps([m, x])).toEqual(m);
      }),
      { numRuns: 500 },
    );
  });

  it('converges whatever the order, grouping and repetition, and loses no version', () => {
    const sim = fc.record({
      devices: fc.integer({ min: 2, max: 3 }),
      ops: fc.array(opArb, { minLength: 10, maxLength: 80 }),
      seed: fc.nat(),
    });
    fc.assert(
      fc.property(sim, ({ devices, ops, seed }) => {
        const { finals, writes, overwritten, key } = simulate(devices, ops);
        const flat = mergeMaps(finals);
        const rnd = prng(seed);
        const shuffled = [...finals, finals[0]!].sort(() => rnd() - 0.5);
        expect(mergeMaps(shuffled)).toEqual(flat);
        expect(shuffled.reduce((acc, m) => mergeMaps([acc, m]), new Map())).toEqual(flat);
        expect(shuffled.reduceRight((acc, m) => mergeMaps([m, acc]), new Map())).toEqual(flat);
        const cut = 1 + Math.floor(rnd() * (shuffled.length - 1));
        const halves = [mergeMaps(shuffled.slice(0, cut)), mergeMaps(shuffled.slice(cut))];
        expect(mergeMaps(halves)).toEqual(flat);
        expect(mergeMaps([flat, ...finals])).toEqual(flat);
        expect(mergeMaps([flat])).toEqual(flat);

        const present = new Map([...flat.values()].map((e) => [key(e), e]));
        for (const w of writes) {
          const found = present.get(key(w));
          if (overwritten.has(key(w))) {
            expect(found, 'an overwritten version came back').toBeUndefined();
          } else if (!w.deleted) {
            expect(found, `version lost: ${JSON.stringify(w.version)}`).toBeDefined();
            expect([w.path, conflictPath(w.path, w.mtime, w.device)]).toContain(found!.path);
          }
        }
      }),
      { numRuns: 400 },
    );
  });
});
