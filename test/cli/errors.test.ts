import { createServer, type Server } from 'node:net';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, stopAll } from '../helpers/cli-process';
import { expectFailure, gen, removeTempDirs, tempDir, type Generated } from './fixture';

let root: string;
let share: Generated;
let other: Generated;
let data: string;
let busy: Server;
let busyPort: number;

beforeAll(async () => {
  root = await tempDir();
  data = join(root, 'data');
  [share, other] = await Promise.all([gen(join(root, 'mine')), gen(join(root, 'theirs'))]);
  busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  busyPort = (busy.address() as { port: number }).port;
});

afterAll(async () => {
  busy.close();
  await stopAll();
  await removeTempDirs();
});

const W = (): string => share.write.capability;
const NOT_A_CAPABILITY =
  /^peerfold: bad capability: not a Peerfold capability: expected text starting with pfwrite1, pfread1 or pfstore1$/m;
const shareArgs = (...rest: string[]): string[] => [
  'share',
  '--data',
  data,
  '--host',
  '127.0.0.1',
  ...rest,
];

describe.concurrent('peerfold errors: one line, the right exit code, no capability echoed', () => {
  it('unknown command', async () => {
    expectFailure(await runCli(['frobnicate']), 2, /^peerfold: unknown command "frobnicate"/);
  });

  it('a capability typed as the command is not echoed', async () => {
    expectFailure(
      await runCli([W()]),
      2,
      /unknown command \(not shown: it looks like a capability\)/,
    );
  });

  it('no command at all', async () => {
    expectFailure(await runCli([]), 2, /missing command/);
  });

  it('unknown option', async () => {
    expectFailure(await runCli(['share', '--bogus']), 2, /unknown option "--bogus" for share/);
  });

  it('an option missing its value', async () => {
    expectFailure(await runCli(['ls', '--data']), 2, /option --data needs a value/);
  });

  it('a capability given as a positional argument is not echoed', async () => {
    const r = await runCli(['share', '--dir', share.dir, W()]);
    expectFailure(r, 2, /unexpected argument \(not shown: it looks like a capability\)/);
  });

  it('missing --id', async () => {
    expectFailure(await runCli(shareArgs('--dir', share.dir)), 2, /missing --id/);
  });

  it('--id and --id-file together', async () => {
    const r = await runCli(shareArgs('--id', W(), '--id-file', 'x', '--dir', share.dir));
    expectFailure(r, 2, /--id or --id-file, not both/);
  });

  it('a truncated capability names how much is missing', async () => {
    const r = await runCli(shareArgs('--id', W().slice(0, -5), '--dir', share.dir));
    expectFailure(
      r,
      2,
      /^peerfold: bad capability: Write capability is truncated: 5 of 59 characters missing$/m,
    );
  });

  it('a mistyped capability fails its checksum', async () => {
    const cap = W();
    const typo = cap.slice(0, 20) + (cap[20] === 'q' ? 'p' : 'q') + cap.slice(21);
    expectFailure(
      await runCli(shareArgs('--id', typo, '--dir', share.dir)),
      2,
      /^peerfold: bad capability: capability checksum does not match: a character is mistyped or missing$/m,
    );
  });

  it('text that is no capability at all', async () => {
    const r = await runCli(shareArgs('--id', 'hello', '--dir', share.dir));
    expectFailure(r, 2, NOT_A_CAPABILITY);
  });

  it('an unknown kind of capability (another prefix) is named as such', async () => {
    const r = await runCli(shareArgs('--id', `pfadmin1${W().slice(8)}`, '--dir', share.dir));
    expectFailure(r, 2, NOT_A_CAPABILITY);
  });

  it('garbled capabilities: mixed case, an invalid character, extra characters', async () => {
    const cap = W();
    const [mixed, invalid, long] = await Promise.all([
      runCli(shareArgs('--id', cap.slice(0, 30) + cap.slice(30).toUpperCase(), '--dir', share.dir)),
      runCli(shareArgs('--id', `${cap.slice(0, -1)}b`, '--dir', share.dir)),
      runCli(shareArgs('--id', `${cap}qqq`, '--dir', share.dir)),
    ]);
    expectFailure(mixed, 2, /^peerfold: bad capability: capability mixes upper and lower case$/m);
    expectFailure(
      invalid,
      2,
      new RegExp(
        `^peerfold: bad capability: capability has an invalid character 'b' at position ${cap.length}$`,
        'm',
      ),
    );
    expectFailure(
      long,
      2,
      /^peerfold: bad capability: Write capability is too long: 3 extra characters$/m,
    );
  });

  it('a link without the capability fragment', async () => {
    const r = await runCli(shareArgs('--id', 'https://example.org/app', '--dir', share.dir));
    expectFailure(
      r,
      2,
      /^peerfold: bad capability: the link has no #fragment: the capability is the part after "#"$/m,
    );
  });

  it('a folder that does not exist', async () => {
    const r = await runCli(shareArgs('--id', W(), '--dir', join(root, 'nowhere')));
    expectFailure(
      r,
      1,
      new RegExp(`^peerfold: folder ${join(root, 'nowhere')} does not exist$`, 'm'),
    );
  });

  it('the folder of another share (its marker names another identity)', async () => {
    const r = await runCli(shareArgs('--id', W(), '--dir', other.dir, '--data', join(root, 'd2')));
    expectFailure(
      r,
      1,
      new RegExp(
        `^peerfold: ${join(root, 'theirs')}: the folder belongs to another share \\(its marker names share [0-9a-f]{12}…, this is [0-9a-f]{12}…\\)$`,
        'm',
      ),
    );
    const status = await runCli(['status', '--data', join(root, 'd2'), '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ shares: [] }); // nothing recorded
  });

  it('a Store capability given --dir', async () => {
    const r = await runCli(shareArgs('--id', share.store.capability, '--dir', share.dir));
    expectFailure(r, 2, /Store capability .*has no folder: drop --dir/);
  });

  it('Write and Read without --dir', async () => {
    const [w, r] = await Promise.all([
      runCli(shareArgs('--id', W())),
      runCli(shareArgs('--id', share.read.capability)),
    ]);
    expectFailure(w, 2, /a Write capability needs --dir/);
    expectFailure(r, 2, /a Read capability needs --dir/);
  });

  it('a port in use', async () => {
    const r = await runCli(
      shareArgs(
        '--id',
        W(),
        '--dir',
        share.dir,
        '--port',
        String(busyPort),
        '--data',
        join(root, 'd3'),
      ),
    );
    expectFailure(r, 1, new RegExp(`^peerfold: port ${busyPort} is in use$`, 'm'));
  });

  it('bad --port and --peer values', async () => {
    const [port, word, peer, peerPort, tracker] = await Promise.all([
      runCli(shareArgs('--id', W(), '--dir', share.dir, '--port', '70000')),
      runCli(shareArgs('--id', W(), '--dir', share.dir, '--port', 'abc')),
      runCli(shareArgs('--id', W(), '--dir', share.dir, '--peer', 'nohost')),
      runCli(shareArgs('--id', W(), '--dir', share.dir, '--peer', '10.0.0.1:0')),
      runCli(shareArgs('--id', W(), '--dir', share.dir, '--tracker', 'gopher://t')),
    ]);
    expectFailure(port, 2, /bad --port "70000": expected a number from 0 to 65535/);
    expectFailure(word, 2, /bad --port "abc"/);
    expectFailure(peer, 2, /bad --peer "nohost": expected HOST:PORT/);
    expectFailure(peerPort, 2, /bad --peer "10.0.0.1:0"/);
    expectFailure(tracker, 2, /bad --tracker "gopher:\/\/t"/);
  });

  it('an unreadable or empty --id-file', async () => {
    const empty = join(root, 'empty-id');
    await writeFile(empty, '\n\n');
    const [missing, blank] = await Promise.all([
      runCli(shareArgs('--id-file', join(root, 'no-such-file'), '--dir', share.dir)),
      runCli(shareArgs('--id-file', empty, '--dir', share.dir)),
    ]);
    expectFailure(missing, 1, /cannot read --id-file .*no-such-file: no such file/);
    expectFailure(blank, 2, /--id-file .*empty-id is empty/);
  });

  it('gen without --dir, and gen under a folder that does not exist', async () => {
    const [none, orphan] = await Promise.all([
      runCli(['gen']),
      runCli(['gen', '--dir', join(root, 'no-parent', 'child')]),
    ]);
    expectFailure(none, 2, /^peerfold: missing --dir FOLDER \(see peerfold gen --help\)$/m);
    expectFailure(
      orphan,
      1,
      new RegExp(`^peerfold: the parent folder ${join(root, 'no-parent')} does not exist$`, 'm'),
    );
  });

  it('ls with a Store capability, and ls of a share never run here', async () => {
    const empty = join(root, 'empty-data');
    await mkdir(empty);
    const [store, never] = await Promise.all([
      runCli(['ls', '--id', share.store.capability, '--data', empty]),
      runCli(['ls', '--id', share.read.capability, '--data', empty]),
    ]);
    expectFailure(store, 2, /a Store capability cannot list files/);
    expectFailure(never, 1, /no state of this share in .*empty-data/);
  });
});

describe.concurrent('peerfold help', () => {
  it.each(['gen', 'share', 'status', 'ls'])('%s --help prints its usage', async (command) => {
    const r = await runCli([command, '--help']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Usage: peerfold ${command} `));
  });

  it('every command the top-level help lists has its own --help', async () => {
    const top = await runCli(['--help']);
    const section = top.stdout.split('Commands:\n')[1]!.split('\n\n')[0]!;
    const commands = [...section.matchAll(/^ {2}([a-z]+) /gm)].map((m) => m[1]!);
    expect(commands).toEqual(expect.arrayContaining(['gen', 'share', 'status', 'ls']));
    const results = await Promise.all(commands.map((c) => runCli([c, '--help'])));
    results.forEach((r, i) => {
      const command = commands[i]!;
      expect(r.code, command).toBe(0);
      expect(r.stderr, command).toBe('');
      expect(r.stdout, command).toMatch(new RegExp(`^Usage: peerfold ${command} `));
    });
  });

  it('-h wins over anything else on the line', async () => {
    const r = await runCli(['share', '--bogus', '-h']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: peerfold share /);
  });

  it('top-level --help, help <command> and --version', async () => {
    const [top, helpShare, version] = await Promise.all([
      runCli(['--help']),
      runCli(['help', 'share']),
      runCli(['--version']),
    ]);
    expect(top.code).toBe(0);
    for (const c of ['gen', 'share', 'status', 'ls'])
      expect(top.stdout).toMatch(new RegExp(`\\n  ${c} `));
    expect(helpShare.stdout).toMatch(/^Usage: peerfold share /);
    expect(helpShare.stdout).toMatch(/listening +\{port\}/);
    expect(version.stdout).toMatch(/^peerfold \d+\.\d+\.\d+\n$/);
  });
});
