import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { FsStateStore } from '../../src/storage/fs-state-store';
import { MemoryStateStore } from '../../src/storage/memory-state-store';
import { stateStoreContract } from './state-store-contract';

stateStoreContract('memory', () =>
  Promise.resolve({ store: new MemoryStateStore(), cleanup: () => Promise.resolve() }),
);

stateStoreContract(
  'fs',
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'peerfold-state-'));
    return {
      store: new FsStateStore(dir),
      reopen: () => new FsStateStore(dir),
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  },
  { persistent: true },
);

it('FsStateStore keeps one plain file per key, no temporary leftovers', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'peerfold-state-'));
  try {
    const store = new FsStateStore(dir);
    await store.put('heads/main', Buffer.from('x'));
    expect(await readdir(join(dir, 'heads'))).toEqual(['main']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
