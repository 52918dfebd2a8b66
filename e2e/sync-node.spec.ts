// Browsers and Node peers mix: a real `peerfold share` process (WebRTC through the same server,
// node-datachannel) and a browser sync both ways; and a Node Store replica carries a browser's
// folder to another browser that opens only after the first one closed.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { Page } from '@playwright/test';
import { join } from 'node:path';
import { CliProcess, stopAll } from '../test/helpers/cli-process';
import { snapshotLive, writeFiles } from '../test/helpers/folders';
import {
  createShare,
  expect,
  opfsTree,
  openWithFolder,
  pickerGivesOpfsFolder,
} from './sync-fixtures';
import { fileRow, screenshot, statusLine, test, writeOpfsFile } from './sync-fixtures';

const dirs: string[] = [];
test.afterEach(async () => {
  await stopAll();
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'peerfold-e2e-node-'));
  dirs.push(dir);
  return dir;
}

/** `peerfold share` over WebRTC only, through the e2e server's tracker. */
function nodePeer(capabilityLink: string, dataDir: string, dir?: string): CliProcess {
  const tracker = process.env.PEERFOLD_E2E_URL!.replace(/^http/, 'ws').replace(/\/$/, '');
  return CliProcess.start(
    ['share', ...(dir ? ['--dir', dir] : []), '--data', dataDir].concat([
      '--webrtc-only',
      '--tracker',
      tracker,
      '--json',
    ]),
    // The capability through the environment, never the command line (ps).
    { env: { PEERFOLD_ID: capabilityLink } },
  );
}

/** The keys of the two trees when they are equal (browser OPFS folder and Node folder). */
async function sameTrees(page: Page, nodeDir: string): Promise<string[] | undefined> {
  const [inNode, inBrowser] = await Promise.all([snapshotLive(nodeDir), opfsTree(page, 'Browser')]);
  return JSON.stringify(inNode) === JSON.stringify(inBrowser) ? Object.keys(inNode) : undefined;
}

test('a browser and a Node peer sync both ways over WebRTC', async ({ page }) => {
  test.setTimeout(240_000);
  const root = await tempDir();
  const nodeDir = join(root, 'node');
  await mkdir(nodeDir);
  await writeFiles(nodeDir, { 'from-node.txt': 'written in Node\n', 'data/blob.bin': 2_500_000 });

  await pickerGivesOpfsFolder(page, 'Browser');
  const links = await createShare(page, 'Browser and Node');
  await page.getByRole('button', { name: 'Choose folder…' }).click();
  await writeOpfsFile(page, 'Browser', 'from-browser.txt', { text: 'written in Chromium' });
  await writeOpfsFile(page, 'Browser', 'pics/a.bin', { size: 700_000 });
  await page.getByRole('button', { name: 'Rescan now' }).click();
  await expect(fileRow(page, 'pics/a.bin')).toBeVisible();

  const node = nodePeer(links.write, join(root, 'data'), nodeDir);
  await node.waitFor(
    { event: 'peer', action: 'connected', transport: 'webrtc' },
    { timeoutMs: 90_000 },
  );
  await expect
    .poll(() => sameTrees(page, nodeDir), { timeout: 120_000 })
    .toEqual(['data', 'data/blob.bin', 'from-browser.txt', 'from-node.txt', 'pics', 'pics/a.bin']);
  await expect(page.getByRole('list', { name: 'Peers' })).toContainText('WebRTC · can edit');

  // An edit in the browser reaches the Node folder; one in Node reaches the browser.
  await writeOpfsFile(page, 'Browser', 'from-browser.txt', { text: 'edited in Chromium' });
  await page.getByRole('button', { name: 'Rescan now' }).click();
  await writeFile(join(nodeDir, 'from-node.txt'), 'edited in Node\n');
  await expect
    .poll(
      async () => {
        if (!(await sameTrees(page, nodeDir))) return undefined;
        const tree = await snapshotLive(nodeDir);
        return [tree['from-browser.txt']?.split(':')[0], tree['from-node.txt']?.split(':')[0]];
      },
      { timeout: 120_000 },
    )
    .toEqual([String('edited in Chromium'.length), String('edited in Node\n'.length)]);
  await screenshot(page, 'sync-browser-node');
});

test('a Node Store replica carries a browser’s folder to a browser that opens after it closed', async ({
  page,
  pageB,
}) => {
  test.setTimeout(240_000);
  const root = await tempDir();
  await pickerGivesOpfsFolder(page, 'Sender');
  const links = await createShare(page, 'Relayed');
  await page.getByRole('button', { name: 'Choose folder…' }).click();
  await writeOpfsFile(page, 'Sender', 'letter.txt', { text: 'kept by a blind replica' });
  await writeOpfsFile(page, 'Sender', 'scan.pdf', { size: 1_200_000 });
  await page.getByRole('button', { name: 'Rescan now' }).click();
  await expect(fileRow(page, 'scan.pdf')).toBeVisible();
  const sent = await opfsTree(page, 'Sender');

  const store = nodePeer(links.store, join(root, 'store-data'));
  await store.waitFor(
    { event: 'peer', action: 'connected', transport: 'webrtc' },
    { timeoutMs: 90_000 },
  );
  // Everything arrived: over 1.2 MB received and nothing pending.
  await store.waitFor(
    (e) => e.event === 'progress' && e.pending === 0 && Number(e.received) >= 1_200_000,
    { timeoutMs: 120_000 },
  );
  // A leaves: its page closes before B opens the Read link.
  await page.close();

  await openWithFolder(pageB, links.read, 'Receiver');
  await expect
    .poll(() => opfsTree(pageB, 'Receiver'), { timeout: 120_000, intervals: [500] })
    .toEqual(sent);
  await expect(pageB.getByRole('list', { name: 'Peers' })).toContainText('encrypted copy');
  await expect(statusLine(pageB)).toHaveText('Up to date · 1 peer connected');
  await screenshot(pageB, 'sync-from-store-replica');
});
