/**
 * A hostile peer holding the Write capability against a real `peerfold share` process: corrupt
 * blocks, forged heads, oversized and malformed messages, and a validly signed index naming
 * `../x` or an absolute path. Each time: nothing is written in the victim's folder or beside it,
 * the process keeps running, and an honest peer still syncs with it afterwards.
 */
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { utf8 } from '../../src/core/bytes';
import { createShare, parseCapability, type WriteCapability } from '../../src/core/capability';
import { decodeSignedHead, encodeSignedHead, signHead, type SignedHead } from '../../src/core/head';
import { MAX_MESSAGE_BYTES, type WireMessage } from '../../src/core/wire-types';
import type { ShareEngine } from '../../src/engine/share';
import { snapshotFolder, writeFiles } from '../helpers/folders';
import { connectHostile, hostileEngine, type HostileConnection, type Tamper } from './hostile-peer';
import { Fixture, waitForSameTree, waitUpToDate, type Peer } from './peers';
import { unsafeHead } from './safety-fixture';

let fx: Fixture;
afterEach(async () => {
  await fx?.cleanup();
});

interface Scene {
  readonly cap: WriteCapability;
  readonly writeId: string;
  readonly victim: Peer;
  readonly dir: string;
}

/** A victim sharing a small folder, up to date, on loopback. */
async function victimScene(): Promise<Scene> {
  fx = await Fixture.create();
  const share = await fx.gen('victim');
  await writeFiles(share.dir, { 'a.txt': 'hello\n', 'sub/b.bin': 70_000 });
  const victim = await fx.start({ id: share.write.capability, dir: share.dir, data: 'data-v' });
  await waitUpToDate(victim, 500);
  const cap = parseCapability(share.write.capability) as WriteCapability;
  return { cap, writeId: share.write.capability, victim, dir: share.dir };
}

/** A file only the hostile peer holds: what it tries to deliver. */
const EVIL = { 'evil.txt': utf8('hostile content\n'.repeat(2_000)) };

/** The hostile engine's own frontier heads, decoded. */
const headsOf = (engine: ShareEngine): SignedHead[] => engine.replica.graph.frontier();

/** Rewrites each outgoing `heads` message with `map` (other messages pass unchanged). */
const onHeads =
  (map: (heads: readonly Uint8Array[]) => Uint8Array[]): Tamper =>
  (m: WireMessage) =>
    m.type === 'heads' && m.heads.length > 0 ? { ...m, heads: map(m.heads) } : m;

/** Replaces each outgoing `data` message with what `map` returns. */
const onData =
  (map: (m: WireMessage & { type: 'data' }) => WireMessage | Uint8Array): Tamper =>
  (m: WireMessage) =>
    m.type === 'data' ? map(m) : m;

/**
 * Runs one attack and checks the outcome: `settle` waits for the attack to land; then the
 * hostile peer dropped (when `expectDropped`), the folder and its parent untouched, the process
 * alive and never in 'error', and an honest peer syncing with it both ways.
 */
async function attack(
  scene: Scene,
  engine: ShareEngine,
  tamper: Tamper,
  expectDropped: boolean,
  settle: (conn: HostileConnection, from: number) => Promise<void>,
): Promise<void> {
  const { victim, dir } = scene;
  const before = await snapshotFolder(dir);
  const parentBefore = (await readdir(fx.root)).sort();
  const from = victim.proc.events.length;
  const conn = connectHostile(engine, '127.0.0.1', victim.port, tamper);
  await settle(conn, from);
  if (expectDropped) {
    const end = await conn.ended;
    expect(end.reason).toMatch(/wire|socket|session/);
    const left = await victim.proc.waitFor({ event: 'peer', action: 'left' }, { after: from });
    expect(left.reason).toEqual(expect.any(String));
  }
  expect(victim.proc.done).toBe(false);
  expect(await snapshotFolder(dir)).toEqual(before);
  expect((await readdir(fx.root)).sort()).toEqual(parentBefore);
  const states = victim.proc.events.slice(from).filter((e) => e.event === 'status');
  expect(states.map((e) => e.state)).not.toContain('error');
  conn.close();

  // An honest Write peer still syncs with the victim, both ways.
  const honestDir = await fx.folder('honest');
  const honest = await fx.start({
    id: scene.writeId,
    dir: honestDir,
    data: 'data-h',
    dial: [victim.port],
  });
  await waitForSameTree(dir, honestDir);
  await writeFiles(honestDir, { 'from-honest.txt': 'honest edit\n' });
  const synced = await waitForSameTree(honestDir, dir);
  expect(Object.keys(synced)).toEqual(['a.txt', 'from-honest.txt', 'sub', 'sub/b.bin']);
  expect(honest.proc.done).toBe(false);
}

/** Waits for the hostile connection to be dropped (its `ended`), with a deadline. */
const dropped = async (conn: HostileConnection): Promise<void> => {
  await Promise.race([
    conn.ended,
    new Promise((_, reject) => setTimeout(() => reject(new Error('not dropped')), 60_000)),
  ]);
};

describe('a hostile Write holder against a running peerfold share', () => {
  it('corrupt blocks: the peer is dropped for a block that does not match its address', async () => {
    const scene = await victimScene();
    const engine = await hostileEngine(scene.cap, EVIL);
    const corrupt = onData((m) => {
      const bytes = m.bytes.slice();
      bytes[bytes.length - 1]! ^= 0xff;
      return { ...m, bytes };
    });
    await attack(scene, engine, corrupt, true, async (conn) => {
      await conn.opened;
      await dropped(conn);
    });
    const left = scene.victim.proc.events.find((e) => e.event === 'peer' && e.action === 'left');
    expect(left?.reason).toMatch(/address/i);
  }, 180_000);

  it('a head with a bad signature is refused and the peer dropped', async () => {
    const scene = await victimScene();
    const engine = await hostileEngine(scene.cap, EVIL);
    const flip = onHeads((heads) =>
      heads.map((bytes) => {
        const h = decodeSignedHead(scene.cap.publicKey, bytes);
        const signature = h.signature.slice();
        signature[0]! ^= 1;
        return encodeSignedHead({ ...h, signature });
      }),
    );
    await attack(scene, engine, flip, true, async (conn) => dropped(conn));
    const left = scene.victim.proc.events.find((e) => e.event === 'peer' && e.action === 'left');
    expect(left?.reason).toMatch(/signature/i);
  }, 180_000);

  it("a head signed by another share's key is refused and the peer dropped", async () => {
    const scene = await victimScene();
    const engine = await hostileEngine(scene.cap, EVIL);
    const stranger = createShare();
    const foreign = onHeads(() =>
      headsOf(engine).map((h) => encodeSignedHead(signHead(stranger, h.head))),
    );
    await attack(scene, engine, foreign, true, async (conn) => dropped(conn));
    const left = scene.victim.proc.events.find((e) => e.event === 'peer' && e.action === 'left');
    expect(left?.reason).toMatch(/signature/i);
  }, 180_000);

  it('an oversized message in place of a block: the peer is dropped', async () => {
    const scene = await victimScene();
    const engine = await hostileEngine(scene.cap, EVIL);
    const huge = onData(() => new Uint8Array(randomBytes(MAX_MESSAGE_BYTES + 4_096)));
    await attack(scene, engine, huge, true, async (conn) => dropped(conn));
  }, 180_000);

  it('random bytes as a message: the peer is dropped', async () => {
    const scene = await victimScene();
    const engine = await hostileEngine(scene.cap, EVIL);
    let sent = false;
    const garbage: Tamper = (m) => {
      if (m.type !== 'data' || sent) return m;
      sent = true;
      return new Uint8Array(randomBytes(512));
    };
    await attack(scene, engine, garbage, true, async (conn) => dropped(conn));
    const left = scene.victim.proc.events.find((e) => e.event === 'peer' && e.action === 'left');
    expect(left?.reason).toMatch(/malformed|bencode|decode/i);
  }, 180_000);

  it.each([
    ['a path escaping the folder (../x)', (_root: string) => '../x'],
    ['an absolute path', (root: string) => join(root, 'abs-escape')],
  ])(
    'a validly signed index naming %s: refused with a warning, nothing written',
    async (_, unsafePath) => {
      const scene = await victimScene();
      const engine = await hostileEngine(scene.cap);
      const path = unsafePath(fx.root);
      const bad = await unsafeHead(scene.cap, engine.replica.store, {
        [path]: 'escaped!\n',
        'innocent.txt': 'looks fine\n',
      });
      const replace = onHeads(() => [encodeSignedHead(bad)]);
      await attack(scene, engine, replace, false, async (conn, from) => {
        await conn.opened;
        const warning = await scene.victim.proc.waitFor(
          (e) => e.event === 'warning' && String(e.message).startsWith('refused version'),
          { after: from },
        );
        expect(warning.message).toContain('its index cannot be read');
        expect(warning.message).toContain('nothing of it was applied');
      });
    },
    180_000,
  );
});
