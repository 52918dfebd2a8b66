// The page's introducer: trackers per share from the server's config (validated), each data
// channel delivered with a link number unique in the page, links closed when the worker is done,
// peers wanted only while the share runs and has room. The tracker client is a fake here; the
// real one is tested in Chromium (rtc-tracker.browser.test.ts) and end to end (e2e/sync-*).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { toHex } from '../../src/core/bytes';
import { PageIntroducer, parseNetConfig } from '../../src/net/page-introducer';
import type { RtcLink } from '../../src/net/rtc-link';
import type { RtcTrackerOptions } from '../../src/net/rtc-options';

const SHARE = 'ab'.repeat(20);
const OTHER = 'cd'.repeat(20);

interface FakeTracker {
  options: RtcTrackerOptions;
  announced: number;
  closed: boolean;
}

function setup(
  fixed: unknown = { trackers: ['ws://t1', 'wss://t2/announce'] },
  current: () => unknown = () => fixed,
) {
  const trackers: FakeTracker[] = [];
  const delivered: { share: string; link: number; initiator: boolean; channel: unknown }[] = [];
  const warnings: string[] = [];
  let loads = 0;
  const introducer = new PageIntroducer({
    platform: {} as RtcTrackerOptions['platform'],
    loadConfig: () => {
      loads++;
      const config = current();
      return config instanceof Error ? Promise.reject(config) : Promise.resolve(config);
    },
    deliver: (share, link, initiator, channel) =>
      delivered.push({ share, link, initiator, channel }),
    onWarning: (m) => warnings.push(m),
    startTracker: (options) => {
      const fake: FakeTracker = { options, announced: 0, closed: false };
      trackers.push(fake);
      return { announce: () => fake.announced++, close: () => (fake.closed = true) };
    },
  });
  return { introducer, trackers, delivered, warnings, loads: () => loads };
}

function link(id: number, initiator = true): RtcLink & { closed: boolean } {
  const l = {
    id,
    initiator,
    remotePeerId: undefined,
    closed: false,
    close: () => (l.closed = true),
  };
  return l;
}

const settle = () => new Promise((r) => setTimeout(r, 0));

afterEach(() => vi.useRealTimers());

describe('parseNetConfig', () => {
  it('keeps ws(s) trackers and well-formed ICE servers only', () => {
    const config = parseNetConfig({
      trackers: ['ws://a', 'wss://b/x', 'http://c', 'javascript:alert(1)', 7, 'ws://a', 'ws://d'],
      iceServers: [
        { urls: 'stun:stun.example:3478' },
        { urls: ['turn:t.example'], username: 'u', credential: 'p' },
        { urls: 'http://x' },
        { urls: [] },
        { urls: 'stun:x', username: 5 },
        'stun:y',
      ],
    });
    expect(config.trackers).toEqual(['ws://a', 'wss://b/x', 'ws://d']);
    expect(config.iceServers).toEqual([
      { urls: 'stun:stun.example:3478' },
      { urls: ['turn:t.example'], username: 'u', credential: 'p' },
    ]);
    expect(parseNetConfig(null)).toEqual({ trackers: [], iceServers: [] });
    expect(parseNetConfig({ trackers: 'ws://a' })).toEqual({ trackers: [], iceServers: [] });
    const many = parseNetConfig({ trackers: ['ws://1', 'ws://2', 'ws://3', 'ws://4', 'ws://5'] });
    expect(many.trackers).toHaveLength(4);
  });
});

describe('PageIntroducer', () => {
  it('runs one tracker per configured URL for each share, with the share id as infohash', async () => {
    const t = setup();
    t.introducer.join(SHARE, () => true);
    t.introducer.join(OTHER, () => true);
    t.introducer.join(SHARE, () => true); // joined already: nothing more
    t.introducer.join('not-a-share', () => true);
    await settle();
    expect(t.loads()).toBe(1);
    expect(t.trackers.map((x) => [x.options.url, toHex(x.options.infoHash)])).toEqual([
      ['ws://t1', SHARE],
      ['wss://t2/announce', SHARE],
      ['ws://t1', OTHER],
      ['wss://t2/announce', OTHER],
    ]);
    // One peer id per share, the same on each of its trackers.
    expect(toHex(t.trackers[0]!.options.peerId)).toBe(toHex(t.trackers[1]!.options.peerId));
    expect(toHex(t.trackers[0]!.options.peerId)).not.toBe(toHex(t.trackers[2]!.options.peerId));
  });

  it('delivers channels with page-unique link numbers and closes a link the worker ended', async () => {
    const t = setup();
    t.introducer.join(SHARE, () => true);
    t.introducer.join(OTHER, () => true);
    await settle();
    const [a, b] = [link(1), link(1, false)]; // two trackers may both number their links 1
    t.trackers[0]!.options.onChannel('channel-a' as never, a);
    t.trackers[2]!.options.onChannel('channel-b' as never, b);
    expect(t.delivered).toEqual([
      { share: SHARE, link: 1, initiator: true, channel: 'channel-a' },
      { share: OTHER, link: 2, initiator: false, channel: 'channel-b' },
    ]);
    t.introducer.linkEnded(SHARE, 2); // not this share's link: nothing
    expect(b.closed).toBe(false);
    t.introducer.linkEnded(OTHER, 2);
    expect(b.closed).toBe(true);
    expect(a.closed).toBe(false);
  });

  it('wants peers only while the share takes them, has room, and was not left', async () => {
    const t = setup({ trackers: ['ws://t1'] });
    let running = false;
    t.introducer.join(SHARE, () => running);
    await settle();
    const want = () => t.trackers[0]!.options.wantPeers!();
    expect(want()).toBe(false);
    running = true;
    expect(want()).toBe(true);
    for (let i = 0; i < 16; i++) t.trackers[0]!.options.onChannel('c' as never, link(i));
    expect(want()).toBe(false);
    t.introducer.linkEnded(SHARE, 1);
    expect(want()).toBe(true);
    t.introducer.wake(SHARE);
    expect(t.trackers[0]!.announced).toBe(1);
    t.introducer.leave(SHARE);
    expect(want()).toBe(false);
    expect(t.trackers[0]!.closed).toBe(true);
  });

  it('announces again soon after a connected peer is lost, once per burst', async () => {
    vi.useFakeTimers();
    const t = setup({ trackers: ['ws://t1'] });
    t.introducer.join(SHARE, () => true);
    await vi.advanceTimersByTimeAsync(0);
    const tracker = t.trackers[0]!;
    const [a, b] = [link(1), link(2)];
    tracker.options.onChannel('c' as never, a);
    tracker.options.onChannel('c' as never, b);
    tracker.options.onLinkClosed!(a, 'closed');
    tracker.options.onLinkClosed!(b, 'closed');
    await vi.advanceTimersByTimeAsync(4_000);
    expect(tracker.announced).toBe(0);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(tracker.announced).toBe(1);
  });

  it('starts no tracker when the config cannot be loaded, says so, and tries again later', async () => {
    vi.useFakeTimers();
    let config: unknown = new Error('offline');
    const t = setup(undefined, () => config);
    t.introducer.join(SHARE, () => true);
    await vi.advanceTimersByTimeAsync(0);
    expect(t.trackers).toHaveLength(0);
    expect(t.warnings).toEqual(['the server’s config could not be loaded: no trackers yet']);
    config = { trackers: ['ws://t1'] };
    await vi.advanceTimersByTimeAsync(31_000);
    expect(t.loads()).toBe(2);
    expect(t.trackers.map((x) => x.options.url)).toEqual(['ws://t1']);
  });
});
