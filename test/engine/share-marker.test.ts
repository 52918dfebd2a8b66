import { describe, expect, it } from 'vitest';
import { fromUtf8, toHex, utf8 } from '../../src/core/bytes';
import { createShare, formatCapability, toRead, type Capability } from '../../src/core/capability';
import { isPeerfoldError } from '../../src/core/errors';
import { decodeMarker, encodeMarker, shareId } from '../../src/engine/marker';
import { ShareEngine } from '../../src/engine/share';
import { MemoryDrive } from '../../src/storage/memory-drive';
import { MemoryObjectStore } from '../../src/storage/memory-object-store';
import { MemoryStateStore } from '../../src/storage/memory-state-store';
import { put, snapshot, T0 } from './fixture';

/** A drive that records what each cleanupTemp call removed. */
class CleanupDrive extends MemoryDrive {
  readonly removed: number[] = [];
  override async cleanupTemp(): Promise<number> {
    const n = await super.cleanupTemp();
    this.removed.push(n);
    return n;
  }
}

function engine(cap: Capability, drive: MemoryDrive): ShareEngine {
  return new ShareEngine({
    capability: cap,
    drive,
    store: new MemoryObjectStore(),
    state: new MemoryStateStore(),
    device: '00000000000000aa',
    now: () => T0,
  });
}

describe('ShareEngine and the folder marker', () => {
  it("writes the share's identity into a new folder's marker, and no capability", async () => {
    const cap = createShare();
    const drive = new MemoryDrive({ now: () => T0 });
    expect(await drive.status()).toBe('missing-marker');
    await engine(cap, drive).start();
    expect(await drive.status()).toBe('ok');
    const marker = (await drive.readMarker())!;
    expect(decodeMarker(marker)).toEqual({ version: 1, share: shareId(cap) });
    const text = fromUtf8(marker);
    for (const secret of [cap.seed, cap.readKey, cap.publicKey, cap.signingKey]) {
      expect(text).not.toContain(toHex(secret));
    }
    expect(text).not.toContain(formatCapability(cap));
    expect(text).not.toContain(formatCapability(toRead(cap)));
  });

  it('fills an empty marker directory, and accepts a marker naming this share', async () => {
    const cap = createShare();
    const drive = new MemoryDrive({ now: () => T0 });
    await drive.createMarker();
    await engine(cap, drive).start();
    expect(decodeMarker((await drive.readMarker())!).share).toBe(shareId(cap));
    // A Read peer of the same share on the same folder: same identity, starts.
    const again = engine(toRead(cap), drive);
    await again.start();
    expect(again.status.state).toBe('idle');
  });

  it("refuses to start on another share's folder, touching nothing", async () => {
    const other = createShare();
    const drive = new MemoryDrive({ now: () => T0 });
    await drive.writeMarker(encodeMarker(other));
    await put(drive, 'theirs.txt', utf8('not ours'));
    const before = await snapshot(drive);
    const e = engine(createShare(), drive);
    const error = await e.start().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isPeerfoldError(error, 'other-share')).toBe(true);
    expect((error as Error).message).toMatch(/belongs to another share/);
    expect(e.replica.graph.all()).toEqual([]);
    expect(await snapshot(drive)).toEqual(before);
    expect(decodeMarker((await drive.readMarker())!).share).toBe(shareId(other));
  });

  it('refuses a marker it cannot read', async () => {
    const drive = new MemoryDrive({ now: () => T0 });
    await drive.writeMarker(utf8('something else entirely'));
    const error = await engine(createShare(), drive)
      .start()
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(isPeerfoldError(error, 'other-share')).toBe(true);
    expect((error as Error).message).toMatch(/not a Peerfold share marker/);
  });

  it('stops with an error status when the marker is swapped for another share while running', async () => {
    const cap = createShare();
    const drive = new MemoryDrive({ now: () => T0 });
    await drive.createMarker();
    await put(drive, 'a.txt', utf8('a'));
    const e = engine(cap, drive);
    await e.start();
    const heads = e.replica.graph.all().length;
    await drive.writeMarker(encodeMarker(createShare()));
    await drive.remove('a.txt');
    await e.sync();
    expect(e.status).toMatchObject({ state: 'error' });
    expect(e.status.state === 'error' && e.status.reason).toMatch(/another share/);
    expect(e.replica.graph.all()).toHaveLength(heads); // the deletion was not published
  });

  it('removes temporary files of a crashed write before the first scan', async () => {
    const cap = createShare();
    const drive = new CleanupDrive({ now: () => T0 });
    await drive.createMarker();
    const crash = drive.write('half.bin', [new Uint8Array(10)], {
      mtime: T0,
      executable: false,
      beforeCommit: () => Promise.reject(new Error('crash')),
    });
    await expect(crash).rejects.toThrow('crash');
    await engine(cap, drive).start();
    expect(drive.removed).toEqual([1]);
    expect(await snapshot(drive)).toEqual({});
  });
});
