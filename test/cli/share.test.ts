import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes';
import { parseCapability } from '../../src/core/capability';
import { shareId } from '../../src/engine/marker';
import { CliProcess, runCli, stopAll } from '../helpers/cli-process';
import { snapshotFolder, waitForSameTree, writeFiles } from '../helpers/folders';
import {
  expectFailure,
  filesContaining,
  gen,
  removeTempDirs,
  tempDir,
  type Generated,
} from './fixture';

// One scenario in steps: writer A and reader B as real processes on loopback, then ls, status,
// a second instance, and shutdown. Each step builds on the one before.
let root: string;
let share: Generated;
let dirB: string;
let dataA: string;
let dataB: string;
let a: CliProcess;
let b: CliProcess;

const loopback = ['--host', '127.0.0.1'];

beforeAll(async () => {
  root = await tempDir();
  share = await gen(join(root, 'a'));
  dirB = join(root, 'b');
  dataA = join(root, 'data-a');
  dataB = join(root, 'data-b');
  await writeFiles(share.dir, {
    'docs/readme.txt': 'hello from A\n',
    'docs/deep/nested/note.md': 2_000,
    'empty.txt': 0,
    'photos/big.bin': 700_000,
    'tool.sh': '#!/bin/sh\necho hi\n',
  });
  await chmod(join(share.dir, 'tool.sh'), 0o755);
  await writeFile(join(root, 'read-id'), `${share.read.capability}\n`);
  await mkdir(dirB);
});

afterAll(async () => {
  await stopAll();
  await removeTempDirs();
});

describe.sequential('peerfold share between two processes', () => {
  it('syncs writer A to reader B byte for byte over --port 0 / --peer', async () => {
    a = CliProcess.start([
      'share',
      '--id',
      share.write.capability,
      '--dir',
      share.dir,
      '--data',
      dataA,
      '--port',
      '0',
      ...loopback,
      '--json',
    ]);
    const started = await a.waitFor('started');
    expect(started).toMatchObject({
      role: 'write',
      dir: share.dir,
      share: shareId(parseCapability(share.store.capability)),
    });
    const { port } = await a.waitFor('listening');
    expect(port).toEqual(expect.any(Number));
    await a.waitFor({ event: 'status', state: 'up-to-date' });

    // B reads its capability from a file, so it never shows in `ps`.
    b = CliProcess.start([
      'share',
      '--id-file',
      join(root, 'read-id'),
      '--dir',
      dirB,
      '--data',
      dataB,
      '--peer',
      `127.0.0.1:${String(port)}`,
      ...loopback,
      '--json',
    ]);
    expect(await b.waitFor({ event: 'peer', action: 'connected' })).toMatchObject({
      role: 'write',
      address: `127.0.0.1:${String(port)}`,
      peers: 1,
    });
    expect(await a.waitFor({ event: 'peer', action: 'connected' })).toMatchObject({
      role: 'read',
      peers: 1,
    });
    const tree = await waitForSameTree(share.dir, dirB);
    expect(Object.keys(tree)).toEqual([
      'docs',
      'docs/deep',
      'docs/deep/nested',
      'docs/deep/nested/note.md',
      'docs/readme.txt',
      'empty.txt',
      'photos',
      'photos/big.bin',
      'tool.sh',
    ]);
    expect((await stat(join(dirB, 'tool.sh'))).mode & 0o111).not.toBe(0);
    expect((await stat(join(dirB, 'empty.txt'))).mode & 0o111).toBe(0);
    await b.waitFor({ event: 'status', state: 'up-to-date', peers: 1 });
  });

  it("carries an edit, a new file and a deletion in A to B through A's watcher", async () => {
    const after = a.events.length;
    await writeFile(join(share.dir, 'docs/readme.txt'), 'hello again from A\n');
    await writeFiles(share.dir, { 'new/file.bin': 12_345 }, 'v2');
    await rm(join(share.dir, 'photos/big.bin'));
    const tree = await waitForSameTree(share.dir, dirB);
    expect(tree['photos/big.bin']).toBeUndefined();
    expect(tree['new/file.bin']).toMatch(/^12345:/);
    expect(await readFile(join(dirB, 'docs/readme.txt'), 'utf8')).toBe('hello again from A\n');
    await a.waitFor({ event: 'status', state: 'syncing' }, { after }); // A noticed by itself
  });

  it('lists the share with ls, as text and JSON, from the stored state', async () => {
    const [json, text, writer] = await Promise.all([
      runCli(['ls', '--id-file', join(root, 'read-id'), '--data', dataB, '--json']),
      runCli(['ls', '--data', dataB], { env: { PEERFOLD_ID: share.read.capability } }),
      runCli(['ls', '--id', share.write.capability, '--data', dataA, '--json']),
    ]);
    expect(json.code).toBe(0);
    const files = (JSON.parse(json.stdout) as { files: Record<string, unknown>[] }).files;
    const disk = await snapshotFolder(dirB);
    expect(files.map((f) => f.path)).toEqual(Object.keys(disk));
    expect(files.find((f) => f.path === 'new/file.bin')).toMatchObject({
      kind: 'file',
      size: 12_345,
      executable: false,
      conflictOf: null,
    });
    expect(files.find((f) => f.path === 'tool.sh')).toMatchObject({ executable: true });
    expect(files.find((f) => f.path === 'docs')).toMatchObject({ kind: 'dir', size: 0 });
    expect(JSON.parse(writer.stdout)).toEqual(JSON.parse(json.stdout));
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^x +\S+ B +\S+ \S+ UTC +tool\.sh$/m);
    expect(text.stdout).toMatch(/^d +- +.* docs\/deep\/$/m);
    expect(text.stdout).toMatch(/^- +12\.1 KiB .* new\/file\.bin$/m);
  });

  it('reports both running shares with status, as text and JSON', async () => {
    const [json, text] = await Promise.all([
      runCli(['status', '--data', dataA, '--json']),
      runCli(['status'], { env: { PEERFOLD_DATA: dataB } }),
    ]);
    const report = JSON.parse(json.stdout) as { data: string; shares: Record<string, unknown>[] };
    expect(report.data).toBe(dataA);
    expect(report.shares).toHaveLength(1);
    expect(report.shares[0]).toMatchObject({
      share: shareId(parseCapability(share.store.capability)),
      role: 'write',
      dir: share.dir,
      running: true,
      pid: a.child.pid,
      peers: 1,
    });
    expect(report.shares[0]!.lastSync).toEqual(expect.any(Number));
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /Read {2}.*\/b\n {2}running \(pid \d+, port \d+\), (up to date|syncing), 1 peer, last sync \d{4}-/,
    );
  });

  it('refuses a second instance of the same share on the same data dir', async () => {
    const r = await runCli([
      'share',
      '--id',
      share.write.capability,
      '--dir',
      share.dir,
      '--data',
      dataA,
      ...loopback,
    ]);
    expectFailure(r, 1, new RegExp(`already running \\(pid ${String(a.child.pid)}\\)`));
  });

  it('stops on SIGTERM with exit 0, frees the lock, and B sees the peer leave', async () => {
    const home = join(dataA, 'shares', shareId(parseCapability(share.store.capability)));
    expect(await readFile(join(home, 'lock'), 'utf8')).toBe(`${String(a.child.pid)}\n`);
    const result = await a.stop('SIGTERM');
    expect(result.code).toBe(0);
    expect(a.events.at(-1)).toEqual({ event: 'stopped', signal: 'SIGTERM' });
    await expect(stat(join(home, 'lock'))).rejects.toThrow();
    await b.waitFor({ event: 'peer', action: 'left', role: 'write' });
    const status = JSON.parse((await runCli(['status', '--data', dataA, '--json'])).stdout) as {
      shares: Record<string, unknown>[];
    };
    expect(status.shares[0]).toMatchObject({ running: false, state: 'stopped', pid: null });
    expect((await b.stop('SIGINT')).code).toBe(0);
  });

  it("refuses to point a data dir's copy of the share at another folder", async () => {
    const elsewhere = join(root, 'elsewhere');
    await mkdir(elsewhere);
    const r = await runCli([
      'share',
      '--id',
      share.write.capability,
      '--dir',
      elsewhere,
      '--data',
      dataA,
      ...loopback,
    ]);
    expectFailure(
      r,
      1,
      new RegExp(
        `already syncs this share with the folder ${share.dir}; use that folder, or another --data`,
      ),
    );
    await expect(stat(join(elsewhere, '.peerfold'))).rejects.toThrow(); // not marked
  });

  it('keeps every capability out of the data dirs and the folder markers', async () => {
    const write = parseCapability(share.write.capability);
    if (write.role !== 'write') throw new Error('not a write capability');
    const secrets = [
      share.write.capability,
      share.read.capability,
      share.store.capability,
      toHex(write.seed),
      toHex(write.readKey),
    ];
    for (const dir of [dataA, dataB, join(share.dir, '.peerfold'), join(dirB, '.peerfold')]) {
      expect(await filesContaining(dir, secrets)).toEqual([]);
    }
  });

  it('takes over a stale lock and runs a Store replica without a folder', async () => {
    const dataS = join(root, 'data-s');
    const home = join(dataS, 'shares', shareId(parseCapability(share.store.capability)));
    await mkdir(home, { recursive: true });
    const dead = CliProcess.start(['--version']); // its pid is free once it has exited
    expect((await dead.exited).code).toBe(0);
    await writeFile(join(home, 'lock'), `${String(dead.child.pid)}\n`);
    const s = CliProcess.start([
      'share',
      '--id',
      share.store.capability,
      '--data',
      dataS,
      '--port',
      '0',
      ...loopback,
      '--json',
    ]);
    expect(await s.waitFor('started')).toMatchObject({ role: 'store', dir: null });
    await s.waitFor('listening');
    expect(await readFile(join(home, 'lock'), 'utf8')).toBe(`${String(s.child.pid)}\n`);
    expect((await s.stop('SIGINT')).code).toBe(0);
    expect(s.events.at(-1)).toEqual({ event: 'stopped', signal: 'SIGINT' });
  });
});
