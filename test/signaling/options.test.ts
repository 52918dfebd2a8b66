// Flags and environment for the server, and the stand-alone entry's one-line failures.
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseIceSpec, parseServeOptions } from '../../signaling/options';
import { startTestServer } from './harness';

function options(argv: string[], env: Record<string, string> = {}) {
  const parsed = parseServeOptions(argv, env);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.options;
}

function error(argv: string[], env: Record<string, string> = {}): string {
  const parsed = parseServeOptions(argv, env);
  if (parsed.ok) throw new Error('expected an error');
  return parsed.error;
}

describe('serve options', () => {
  it('defaults to port 8080 on loopback', () => {
    expect(options([])).toEqual({ port: 8080, host: '127.0.0.1', trustProxy: false });
  });

  it('reads flags, in both --flag value and --flag=value forms, repeatable where it says', () => {
    expect(
      options([
        '--port=9000',
        '--host',
        '0.0.0.0',
        '--tracker',
        'wss://a.example/announce',
        '--tracker=ws://b.example:8000',
        '--ice',
        'stun:stun.example:3478',
        '--app-dir',
        '/srv/app',
        '--trust-proxy',
      ]),
    ).toEqual({
      port: 9000,
      host: '0.0.0.0',
      trackers: ['wss://a.example/announce', 'ws://b.example:8000'],
      iceServers: [{ urls: 'stun:stun.example:3478' }],
      appDir: '/srv/app',
      trustProxy: true,
    });
  });

  it('reads the environment, and flags win over it', () => {
    const env = {
      PEERFOLD_PORT: '7000',
      PEERFOLD_HOST: '::',
      PEERFOLD_TRACKERS: 'wss://a.example, wss://b.example',
      PEERFOLD_ICE_SERVERS: '[{"urls":["turn:t.example:3478"],"username":"u","credential":"p"}]',
      PEERFOLD_TRUST_PROXY: '1',
    };
    expect(options([], env)).toEqual({
      port: 7000,
      host: '::',
      trackers: ['wss://a.example', 'wss://b.example'],
      iceServers: [{ urls: ['turn:t.example:3478'], username: 'u', credential: 'p' }],
      trustProxy: true,
    });
    expect(options(['--port', '7001', '--tracker', 'ws://c.example'], env)).toMatchObject({
      port: 7001,
      trackers: ['ws://c.example'],
    });
    expect(options([], { PORT: '5000' }).port).toBe(5000);
  });

  it('reads TURN credentials from turn:user:pass@host, percent-decoded', () => {
    expect(parseIceSpec('turn:alice:s%40cret@turn.example.org:3478?transport=tcp')).toEqual({
      urls: 'turn:turn.example.org:3478?transport=tcp',
      username: 'alice',
      credential: 's@cret',
    });
    expect(parseIceSpec('turns:bob:pw@[2001:db8::1]:5349')).toEqual({
      urls: 'turns:[2001:db8::1]:5349',
      username: 'bob',
      credential: 'pw',
    });
    expect(parseIceSpec('{"urls":"stun:s.example"}')).toEqual({ urls: 'stun:s.example' });
    for (const bad of [
      'stun:user:pw@s.example',
      'turn:@t.example',
      'http://x',
      'turn:a b',
      '{"urls":1}',
    ]) {
      expect(parseIceSpec(bad)).toBeUndefined();
    }
  });

  it('gives one clear line for bad input, never echoing an ICE password', () => {
    expect(error(['--port', '70000'])).toBe('invalid port 70000 (expected 0 to 65535)');
    expect(error(['--port'])).toBe('--port needs a value');
    expect(error(['--tracker', 'http://x.example'])).toMatch(/^invalid tracker http:\/\/x.example/);
    expect(error(['--bogus'])).toBe('unknown option --bogus (see --help)');
    const ice = error(['--ice', 'turn:user:hunter2@bad host']);
    expect(ice).toMatch(/^invalid ICE server #1/);
    expect(ice).not.toContain('hunter2');
    expect(
      error([], { PEERFOLD_ICE_SERVERS: '[{"urls":"turn:x","credential":"hunter2"' }),
    ).not.toContain('hunter2');
  });

  it('hands unknown arguments back when the caller has flags of its own', () => {
    const parsed = parseServeOptions(['--share', 'CAP', '--port', '1'], {}, true);
    expect(parsed).toMatchObject({ ok: true, rest: ['--share', 'CAP'], options: { port: 1 } });
  });
});

describe('signaling/main.ts', () => {
  function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = execFile(
        process.execPath,
        ['--import', 'tsx', 'signaling/main.ts', ...args],
        { timeout: 30_000 },
        (err, stdout, stderr) =>
          resolve({
            code: err ? (typeof err.code === 'number' ? err.code : null) : 0,
            stdout,
            stderr,
          }),
      );
      child.stdin?.end();
    });
  }

  it('prints one line and exits 1 when the port is in use', async () => {
    const busy = await startTestServer();
    try {
      const result = await run(['--port', String(busy.server.port)]);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(`peerfold serve: port ${busy.server.port} is in use\n`);
    } finally {
      await busy.server.close();
    }
  });

  it('prints one line and exits 2 on a bad flag', async () => {
    const result = await run(['--port', 'many']);
    expect(result).toMatchObject({
      code: 2,
      stderr: 'peerfold serve: invalid port many (expected 0 to 65535)\n',
    });
  });
});
