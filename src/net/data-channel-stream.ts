/**
 * A raw RTCDataChannel as the byte stream `attachStream` pipes through a wire. In the browser
 * the sync engine runs in a Worker, where RTCPeerConnection does not exist but RTCDataChannel
 * does: the page makes the connection and transfers the untouched channel to the worker, which
 * opens it here. The channel is adapted to channel-stream.ts's `WebRtcPeer`, so the 64 KiB
 * pieces, the backpressure and the close handling are channelByteStream's, shared with the Node
 * bridge.
 */
import { channelByteStream, type WebRtcPeer } from './channel-stream';
import type { ByteStream } from './stream-peer';

/**
 * Writes wait while the channel buffers more than this: enough that the channel keeps sending
 * between two turns of the worker's event loop (the bench's raw reference uses the same).
 */
export const DATA_CHANNEL_HIGH_WATER_BYTES = 1024 * 1024;
/** A waiting write resumes once the channel buffers this little ('bufferedamountlow'). */
export const DATA_CHANNEL_LOW_WATER_BYTES = 256 * 1024;
/** How long openDataChannel waits for the channel to open, by default. */
export const DATA_CHANNEL_OPEN_TIMEOUT_MS = 30_000;

export interface OpenDataChannelOptions {
  /** Reject (and close the channel) if it is not open within this many ms; 30 s by default. */
  timeoutMs?: number;
  /** True on the side that made the offer (the wire's dialing side). */
  initiator?: boolean;
}

/**
 * Resolves with `channel` as a byte stream once it is open (at once if it is), or rejects and
 * closes it if it closes first or is not open within the timeout. Call it in the task the
 * channel arrives in (ondatachannel, or the message that transferred it): a message that comes
 * before it is lost.
 */
export function openDataChannel(
  channel: RTCDataChannel,
  options: OpenDataChannelOptions = {},
): Promise<ByteStream> {
  // Listening from now on: Chromium can deliver a transferred channel's first message before
  // its 'open' event, even in the task after the one it arrived in.
  const peer = new DataChannelPeer(channel, options.initiator ?? false);
  const wrap = (): ByteStream => channelByteStream(peer);
  if (channel.readyState === 'open') return Promise.resolve(wrap());
  if (channel.readyState !== 'connecting') {
    return Promise.reject(new Error('data channel closed before it opened'));
  }
  const timeoutMs = options.timeoutMs ?? DATA_CHANNEL_OPEN_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const settle = (error?: Error): void => {
      clearTimeout(timer);
      channel.removeEventListener('open', opened);
      channel.removeEventListener('close', closed);
      if (!error) return resolve(wrap());
      channel.close();
      reject(error);
    };
    const opened = (): void => settle();
    const closed = (): void => settle(new Error('data channel closed before it opened'));
    const timer = setTimeout(
      () => settle(new Error(`data channel not open after ${timeoutMs} ms`)),
      timeoutMs,
    );
    channel.addEventListener('open', opened);
    channel.addEventListener('close', closed);
  });
}

type Listener = (value: never) => void;

/** RFC 4960 error cause "User-Initiated Abort": Chromium's SCTP abort on a remote close. */
const SCTP_USER_INITIATED_ABORT = 12;

/** An open RTCDataChannel seen as the simple-peer instance channelByteStream expects. */
class DataChannelPeer implements WebRtcPeer {
  /** Listeners by event, each with whether it is a `once` one. */
  private readonly listeners = new Map<string, Map<Listener, boolean>>();
  /** The channel's 'close' came. */
  private closed = false;
  /** An error was reported already. */
  private failed = false;
  /** Messages that came before anything listened for 'data' (before the channel opened). */
  private early: Uint8Array[] | undefined = [];

  constructor(
    private readonly channel: RTCDataChannel,
    readonly initiator: boolean,
  ) {
    channel.binaryType = 'arraybuffer';
    channel.bufferedAmountLowThreshold = DATA_CHANNEL_LOW_WATER_BYTES;
    channel.addEventListener('message', (event: MessageEvent<unknown>) => {
      if (!(event.data instanceof ArrayBuffer)) {
        return this.fail(new Error('data channel sent text')); // the wire is binary only
      }
      const chunk = new Uint8Array(event.data);
      if (this.early) this.early.push(chunk);
      else this.emit('data', chunk);
    });
    channel.addEventListener('bufferedamountlow', () => {
      // One queued before the last burst of writes is stale: the next crossing comes later.
      if (channel.bufferedAmount <= DATA_CHANNEL_HIGH_WATER_BYTES) this.emit('drain');
    });
    channel.addEventListener('error', ({ error }) => {
      // The other side closing its connection reaches us as an SCTP abort: that is a close
      // (whose 'close' event follows), not a failure.
      if (error?.sctpCauseCode === SCTP_USER_INITIATED_ABORT) return;
      this.fail(new Error(error ? `data channel error: ${error.message}` : 'data channel error'));
    });
    channel.addEventListener('close', () => {
      this.closed = true;
      this.emit('close');
    });
  }

  get destroyed(): boolean {
    return (
      this.closed || this.channel.readyState === 'closing' || this.channel.readyState === 'closed'
    );
  }

  /** Sends `chunk`; false while the channel buffers more than DATA_CHANNEL_HIGH_WATER_BYTES. */
  write(chunk: Uint8Array): boolean {
    try {
      this.channel.send(chunk as Uint8Array<ArrayBuffer>);
    } catch (error) {
      // Closing under us, or Chromium's send queue is full: this peer is done either way.
      this.fail(error instanceof Error ? error : new Error(String(error)));
      return false;
    }
    return this.channel.bufferedAmount <= DATA_CHANNEL_HIGH_WATER_BYTES;
  }

  destroy(error?: Error): void {
    if (error) this.fail(error);
    else this.channel.close();
  }

  /** A data channel cannot stop reading: the session's byte-based flow control bounds it. */
  pause(): void {}
  resume(): void {}

  on(event: string, listener: Listener): this {
    this.listen(event, listener, false);
    if (event === 'data' && this.early) {
      const early = this.early;
      this.early = undefined;
      for (const chunk of early) this.emit('data', chunk);
    }
    return this;
  }

  once(event: string, listener: Listener): this {
    return this.listen(event, listener, true);
  }

  off(event: string, listener: Listener): this {
    this.listeners.get(event)?.delete(listener);
    return this;
  }

  private listen(event: string, listener: Listener, once: boolean): this {
    let registered = this.listeners.get(event);
    if (!registered) this.listeners.set(event, (registered = new Map<Listener, boolean>()));
    registered.set(listener, once);
    return this;
  }

  /** Closes the channel and reports `error`, unless the stream heard of the end already. */
  private fail(error: Error): void {
    this.channel.close();
    if (this.failed || this.closed) return;
    this.failed = true;
    this.emit('error', error);
  }

  private emit(event: string, value?: unknown): void {
    const registered = this.listeners.get(event);
    if (!registered) return;
    for (const [listener, once] of [...registered]) {
      if (once) registered.delete(listener);
      (listener as (value?: unknown) => void)(value);
    }
  }
}
