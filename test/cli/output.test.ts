import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createPrinter, formatBytes } from '../../src/cli/output';
import { describeEvent } from '../../src/cli/share-events';
import { explainReason } from '../../src/cli/share-monitor';

/** A stdout double that records what is written, terminal or not. */
function sink(isTTY: boolean): Writable & { isTTY: boolean; text: () => string } {
  const chunks: string[] = [];
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return Object.assign(out, { isTTY, text: () => chunks.join('') });
}

describe('createPrinter', () => {
  it('redraws the progress line in place on a terminal, and clears it before a line', () => {
    const out = sink(true);
    const p = createPrinter(false, out);
    p.progress('syncing: 3 objects');
    p.progress('syncing: 2 objects');
    p.line('up to date');
    expect(out.text()).toBe(
      '\r\x1b[Ksyncing: 3 objects\r\x1b[Ksyncing: 2 objects\r\x1b[Kup to date\n',
    );
  });

  it('prints progress as plain, throttled lines when piped', () => {
    const out = sink(false);
    const p = createPrinter(false, out);
    p.progress('syncing: 3 objects');
    p.progress('syncing: 2 objects'); // within the throttle window: dropped
    p.line('up to date');
    expect(out.text()).toBe('syncing: 3 objects\nup to date\n');
  });

  it('prints events as JSON lines with --json, and no human text or progress', () => {
    const out = sink(true);
    const p = createPrinter(true, out);
    p.event({ event: 'listening', port: 7 } as { event: string }, 'listening on port 7');
    p.line('hidden');
    p.progress('hidden');
    expect(out.text()).toBe('{"event":"listening","port":7}\n');
  });
});

describe('share event lines', () => {
  it('describes peers, pauses and progress for a person', () => {
    expect(
      describeEvent({
        event: 'peer',
        action: 'left',
        role: 'store',
        address: '192.0.2.1:6881',
        transport: 'tcp',
        peers: 0,
        reason: 'session closed',
      }),
    ).toBe('Store peer 192.0.2.1:6881 left: session closed (0 peers)');
    expect(explainReason('/x: missing-root')).toBe('the folder is gone');
    expect(
      describeEvent({ event: 'progress', pending: 1, received: 3 * 1024 * 1024, sent: 0 }),
    ).toBe('syncing: 1 object to fetch, 3.0 MiB received, 0 B sent');
    expect(formatBytes(1023)).toBe('1023 B');
  });
});
