import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes';
import { formatCapability, parseCapability, toRead, toStore } from '../../src/core/capability';
import { decodeMarker, shareId } from '../../src/engine/marker';
import { runCli, stopAll } from '../helpers/cli-process';
import { expectFailure, filesContaining, gen, removeTempDirs, tempDir } from './fixture';

afterEach(async () => {
  await stopAll();
  await removeTempDirs();
});

describe('peerfold gen', () => {
  it('prints the three capabilities with their links, and marks the folder with the share id only', async () => {
    const root = await tempDir();
    const dir = join(root, 'shared');
    const r = await runCli(['gen', '--dir', dir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const found = (label: string): string[] => {
      const m = new RegExp(`^${label} +(pf\\w+1\\w+)\\n +(\\S+)$`, 'm').exec(r.stdout);
      expect(m, `${label} line in ${r.stdout}`).not.toBeNull();
      return [m![1]!, m![2]!];
    };
    const [writeText, writeLink] = found('Write');
    const [readText, readLink] = found('Read');
    const [storeText, storeLink] = found('Store');
    const write = parseCapability(writeText!);
    expect(write.role).toBe('write');
    if (write.role !== 'write') return;
    expect(parseCapability(readText!).role).toBe('read');
    expect(parseCapability(storeText!).role).toBe('store');
    expect(readText).toBe(formatCapability(toRead(write)));
    expect(storeText).toBe(formatCapability(toStore(write)));
    expect(writeLink).toBe(`http://localhost:8080/#${writeText}`);
    expect(readLink).toBe(`http://localhost:8080/#${readText}`);
    expect(storeLink).toBe(`http://localhost:8080/#${storeText}`);
    expect(r.stdout).toMatch(/Write only to your own devices/);

    expect((await stat(dir)).isDirectory()).toBe(true);
    const marker = await readFile(join(dir, '.peerfold', 'share'));
    expect(decodeMarker(marker)).toEqual({ version: 1, share: shareId(write) });
    const secrets = [writeText!, readText!, storeText!, toHex(write.seed), toHex(write.readKey)];
    expect(await filesContaining(root, secrets)).toEqual([]);
  });

  it('prints one JSON object with --json, links on --url, and reuses an existing empty folder', async () => {
    const root = await tempDir();
    const g = await gen(root, '--url', 'https://peerfold.example/app/');
    expect(g.dir).toBe(root);
    expect(Object.keys(g)).toEqual(['dir', 'write', 'read', 'store']);
    for (const role of ['write', 'read', 'store'] as const) {
      expect(parseCapability(g[role].capability).role).toBe(role);
      expect(g[role].link).toBe(`https://peerfold.example/app/#${g[role].capability}`);
      expect(parseCapability(g[role].link).role).toBe(role); // the link itself parses
    }
    const marker = decodeMarker(await readFile(join(root, '.peerfold', 'share')));
    expect(marker.share).toBe(shareId(parseCapability(g.store.capability)));
  });

  it('takes the link base from PEERFOLD_URL', async () => {
    const root = await tempDir();
    const r = await runCli(['gen', '--dir', join(root, 'd'), '--json'], {
      env: { PEERFOLD_URL: 'https://from-env.example' },
    });
    expect(r.code).toBe(0);
    const g = JSON.parse(r.stdout) as { read: { link: string; capability: string } };
    expect(g.read.link).toBe(`https://from-env.example/#${g.read.capability}`);
  });

  it("refuses a folder that is already another share's, leaving its marker alone", async () => {
    const root = await tempDir();
    const first = await gen(root);
    const before = await readFile(join(root, '.peerfold', 'share'));
    const r = await runCli(['gen', '--dir', root]);
    expectFailure(r, 1, /belongs to another share/);
    expect(r.stdout).toBe('');
    expect(await readFile(join(root, '.peerfold', 'share'))).toEqual(before);
    expect(decodeMarker(before).share).toBe(shareId(parseCapability(first.write.capability)));
  });

  it('refuses a folder whose parent does not exist, a file, a bad --url, and no --dir', async () => {
    const root = await tempDir();
    await writeFile(join(root, 'file'), 'x');
    const [noParent, aFile, badUrl, noDir] = await Promise.all([
      runCli(['gen', '--dir', join(root, 'missing', 'child')]),
      runCli(['gen', '--dir', join(root, 'file')]),
      runCli(['gen', '--dir', root, '--url', 'ftp://x']),
      runCli(['gen']),
    ]);
    expectFailure(noParent, 1, /the parent folder .*missing does not exist/);
    expectFailure(aFile, 1, /file is not a folder/);
    expectFailure(badUrl, 2, /bad --url "ftp:\/\/x"/);
    expectFailure(noDir, 2, /missing --dir/);
    await expect(stat(join(root, 'missing'))).rejects.toThrow();
  });
});
