// The engine API's messages are checked on receipt: a message of another version or shape is
// dropped (undefined), never half-used.
import { describe, expect, it } from 'vitest';
import { parseCommand, parseEvent, stamp } from '../../src/engine/api';

const SHARE = 'ab'.repeat(20);
const handle = { kind: 'directory', name: 'Photos' };

describe('parseCommand', () => {
  it('accepts every command of this version', () => {
    const commands = [
      stamp({
        type: 'open',
        share: SHARE,
        capability: 'pfwrite1x',
        folder: { kind: 'picked', handle: { kind: 'directory', name: 'Photos' } },
        permitted: false,
        replaced: false,
      }),
      stamp({ type: 'permission', share: SHARE, permitted: true }),
      stamp({ type: 'rescan' }),
      stamp({ type: 'rescan', share: SHARE }),
      stamp({ type: 'list', share: SHARE }),
      stamp({ type: 'leave', share: SHARE, request: 1 }),
      stamp({
        type: 'import',
        share: SHARE,
        request: 2,
        paths: ['a.txt'],
        files: [new Blob(['x'])],
      }),
      stamp({ type: 'export', share: SHARE, request: 3 }),
      stamp({ type: 'export', share: SHARE, request: 4, path: 'a.txt' }),
    ];
    for (const c of commands) expect(parseCommand(c), c.type).toEqual(c);
  });

  it('drops other versions, unknown types and wrong shapes', () => {
    const ok = { v: 1, type: 'list', share: SHARE };
    expect(parseCommand(ok)).toBeDefined();
    expect(parseCommand({ ...ok, v: 2 })).toBeUndefined();
    expect(parseCommand({ ...ok, type: 'format-disk' })).toBeUndefined();
    expect(parseCommand({ ...ok, share: 'not-hex' })).toBeUndefined();
    expect(parseCommand(null)).toBeUndefined();
    expect(parseCommand('list')).toBeUndefined();
    const open = {
      v: 1,
      type: 'open',
      share: SHARE,
      capability: 'c',
      permitted: true,
      replaced: false,
    };
    expect(parseCommand({ ...open, folder: { kind: 'picked', handle } })).toBeDefined();
    expect(
      parseCommand({ ...open, folder: { kind: 'picked', handle: { name: 'x' } } }),
    ).toBeUndefined();
    expect(parseCommand({ ...open, folder: { kind: 'usb' } })).toBeUndefined();
    expect(parseCommand({ ...open, permitted: 'yes', folder: { kind: 'none' } })).toBeUndefined();
    const imp = { v: 1, type: 'import', share: SHARE, request: 1 };
    expect(parseCommand({ ...imp, paths: ['a', 'b'], files: [new Blob([])] })).toBeUndefined();
    expect(parseCommand({ ...imp, paths: ['a'], files: ['not a blob'] })).toBeUndefined();
    expect(parseCommand({ v: 1, type: 'leave', share: SHARE, request: -1 })).toBeUndefined();
  });

  it('takes a data channel only with a link number, a side and a channel', () => {
    // Node has no RTCDataChannel: the check falls back to the channel's shape.
    const channel = { label: 'peerfold', readyState: 'connecting' };
    const ok = { v: 1, type: 'channel', share: SHARE, link: 7, initiator: true, channel };
    expect(parseCommand(ok)).toEqual(ok);
    expect(parseCommand({ ...ok, link: -1 })).toBeUndefined();
    expect(parseCommand({ ...ok, link: 1.5 })).toBeUndefined();
    expect(parseCommand({ ...ok, initiator: 'yes' })).toBeUndefined();
    expect(parseCommand({ ...ok, channel: undefined })).toBeUndefined();
    expect(parseCommand({ ...ok, channel: { label: 'x' } })).toBeUndefined();
    expect(parseCommand({ ...ok, share: 'x' })).toBeUndefined();
  });
});

describe('parseEvent', () => {
  it('accepts events and drops malformed ones', () => {
    const status = stamp({
      type: 'status',
      share: SHARE,
      status: { phase: 'up-to-date', peers: 0 },
    });
    expect(parseEvent(status)).toEqual(status);
    const file = { path: 'a', kind: 'file', size: 1, mtime: 2, state: 'recorded' };
    expect(parseEvent({ v: 1, type: 'files', share: SHARE, files: [file], more: 0 })).toBeDefined();
    expect(
      parseEvent({ v: 1, type: 'files', share: SHARE, files: [{ ...file, size: '1' }], more: 0 }),
    ).toBeUndefined();
    expect(parseEvent({ v: 1, type: 'reply', request: 1, ok: true, blob: 'x' })).toBeUndefined();
    expect(parseEvent({ ...status, v: 0 })).toBeUndefined();
    expect(parseEvent({ v: 1, type: 'link-ended', share: SHARE, link: 3 })).toBeDefined();
    expect(parseEvent({ v: 1, type: 'link-ended', share: SHARE, link: '3' })).toBeUndefined();
    expect(parseEvent({ v: 1, type: 'link-ended', share: 'x', link: 3 })).toBeUndefined();
  });
});
