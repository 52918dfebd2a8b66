import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeDrive } from '../../src/storage/node-drive';
import type { DriveHarness } from './drive-contract';

/** A Node drive on a fresh temp folder `root`; its parent dir is what `outside` watches. */
export async function nodeHarness(): Promise<DriveHarness & { drive: NodeDrive; parent: string }> {
  const parent = await mkdtemp(join(tmpdir(), 'peerfold-drive-'));
  const root = join(parent, 'root');
  await mkdir(root);
  const drive = await NodeDrive.open(root);
  await drive.createMarker();
  return {
    drive,
    parent,
    removeRoot: () => rm(root, { recursive: true }),
    removeMarker: () => rm(join(root, '.peerfold'), { recursive: true }),
    outside: async () => (await readdir(parent)).filter((n) => n !== 'root'),
    cleanup: () => rm(parent, { recursive: true, force: true }),
  };
}
