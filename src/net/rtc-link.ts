/**
 * One RTCPeerConnection of the page's tracker client (rtc-tracker.ts), from offer or answer to
 * close. Its data channel is handed out untouched in the task it appears (the offerer's right
 * after createDataChannel, the answerer's in ondatachannel), so the callee can transfer it to a
 * worker; this file never sends on it or sets a handler on it. What it watches instead:
 * - negotiation: ICE is not trickled, so an SDP is sent once gathering completes (or a bounded
 *   wait ends); an offer unanswered, or a connection not made, in time is closed;
 * - the end: connectionState 'failed', the SCTP or DTLS transport closing (the remote closed its
 *   connection: Chromium reports that at once, 'failed' only comes many seconds later), and
 *   the channel gone from getStats (whoever holds it closed it: Chromium drops closed channels
 *   from the report).
 */
import { binaryToHex } from './rtc-messages';

export type LinkCloseReason =
  | 'closed'
  | 'offer timed out'
  | 'connect timed out'
  | 'negotiation failed'
  | 'tracker lost'
  | 'duplicate peer'
  | 'connection failed'
  | 'remote closed'
  | 'channel closed'
  | 'lost the tie-break';

/** One peer connection, as the consumer of rtc-tracker.ts sees it. */
export interface RtcLink {
  /** Unique in this page. */
  readonly id: number;
  /** Whether we made the offer (and the data channel). */
  readonly initiator: boolean;
  /** The remote tracker peer id, hex, once known (the answerer knows it from the start). */
  readonly remotePeerId: string | undefined;
  /** Closes the peer connection (and with it the data channel, wherever it is now). */
  close(): void;
}

export interface LinkTiming {
  iceGatheringTimeoutMs: number;
  offerTimeoutMs: number;
  connectTimeoutMs: number;
  channelCheckMs: number;
}

export interface LinkHooks {
  readonly timing: LinkTiming;
  /** Hands the channel out, synchronously; false when the consumer threw. */
  deliver(channel: RTCDataChannel, link: PeerLink): boolean;
  closed(link: PeerLink, reason: LinkCloseReason): void;
  warn(message: string): void;
}

type State = 'negotiating' | 'established' | 'closed';

let nextLinkId = 1;

export class PeerLink implements RtcLink {
  readonly id = nextLinkId++;
  /** The remote peer id as a binary string, once known. */
  remoteBinaryId: string | undefined;
  /** Whether the consumer has the channel (and so hears of the close). */
  handedOut = false;
  private state: State = 'negotiating';
  private timer: ReturnType<typeof setTimeout> | undefined;
  private checker: ReturnType<typeof setInterval> | undefined;

  constructor(
    readonly initiator: boolean,
    private readonly pc: RTCPeerConnection,
    private readonly hooks: LinkHooks,
  ) {
    pc.onconnectionstatechange = () => {
      const state = pc.connectionState;
      if (state === 'failed' || state === 'closed') this.close('connection failed');
      else if (state === 'connected') this.establishIfReady();
    };
  }

  get remotePeerId(): string | undefined {
    return this.remoteBinaryId === undefined ? undefined : binaryToHex(this.remoteBinaryId);
  }

  get negotiating(): boolean {
    return this.state === 'negotiating';
  }

  get closed(): boolean {
    return this.state === 'closed';
  }

  /** Offerer: creates the channel and hands it out now (this task), then makes the offer. */
  offer(label: string): Promise<string | undefined> {
    const channel = this.pc.createDataChannel(label);
    this.handedOut = this.hooks.deliver(channel, this);
    if (!this.handedOut) {
      this.close('closed');
      return Promise.resolve(undefined);
    }
    this.arm(this.hooks.timing.offerTimeoutMs, 'offer timed out');
    return this.describe(async () => {
      await this.pc.setLocalDescription(await this.pc.createOffer());
    });
  }

  /** Answerer: takes the remote offer; the channel is handed out when it arrives. */
  answer(remoteBinaryId: string, sdp: string): Promise<string | undefined> {
    this.remoteBinaryId = remoteBinaryId;
    this.pc.ondatachannel = (event) => {
      // A second channel is not ours to hand out: only the first one counts.
      if (this.handedOut || this.closed) return event.channel.close();
      this.handedOut = this.hooks.deliver(event.channel, this);
      if (this.handedOut) this.establishIfReady();
      else this.close('closed');
    };
    return this.describe(async () => {
      await this.pc.setRemoteDescription({ type: 'offer', sdp });
      await this.pc.setLocalDescription(await this.pc.createAnswer());
      this.arm(this.hooks.timing.connectTimeoutMs, 'connect timed out');
    });
  }

  /** Offerer: the remote peer's answer to our offer. */
  acceptAnswer(remoteBinaryId: string, sdp: string): void {
    this.remoteBinaryId = remoteBinaryId;
    this.arm(this.hooks.timing.connectTimeoutMs, 'connect timed out');
    this.pc.setRemoteDescription({ type: 'answer', sdp }).catch(() => {
      this.hooks.warn('a peer’s answer could not be used');
      this.close('negotiation failed');
    });
  }

  close(reason: LinkCloseReason = 'closed'): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.timer);
    clearInterval(this.checker);
    const pc = this.pc;
    pc.onconnectionstatechange = null;
    pc.ondatachannel = null;
    if (pc.sctp) pc.sctp.onstatechange = pc.sctp.transport.onstatechange = null;
    try {
      pc.close();
    } catch {
      // Already closed: nothing left to release.
    }
    this.hooks.closed(this, reason);
  }

  /** Runs the negotiation step, then waits for ICE gathering; the local SDP, or undefined. */
  private async describe(step: () => Promise<void>): Promise<string | undefined> {
    try {
      await step();
      await gatheringDone(this.pc, this.hooks.timing.iceGatheringTimeoutMs);
    } catch {
      if (!this.closed) this.hooks.warn('a peer connection could not be negotiated');
      this.close('negotiation failed');
      return undefined;
    }
    return this.closed ? undefined : this.pc.localDescription?.sdp;
  }

  private arm(ms: number, reason: LinkCloseReason): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.close(reason), ms);
  }

  private establishIfReady(): void {
    if (this.state !== 'negotiating' || !this.handedOut) return;
    if (this.pc.connectionState !== 'connected') return;
    this.state = 'established';
    clearTimeout(this.timer);
    const sctp = this.pc.sctp;
    if (sctp) {
      sctp.onstatechange = () => sctp.state === 'closed' && this.close('remote closed');
      sctp.transport.onstatechange = () => {
        const dtls = sctp.transport.state;
        if (dtls === 'closed' || dtls === 'failed') this.close('remote closed');
      };
    }
    this.checker = setInterval(() => void this.checkChannel(), this.hooks.timing.channelCheckMs);
  }

  private async checkChannel(): Promise<void> {
    let live = 0;
    try {
      const report = await this.pc.getStats();
      report.forEach((stat: { type: string; state?: string }) => {
        if (stat.type === 'data-channel' && (stat.state === 'open' || stat.state === 'connecting'))
          live++;
      });
    } catch {
      return; // closed meanwhile
    }
    if (live === 0) this.close('channel closed');
  }
}

/** Resolves when ICE gathering is complete, or after `ms` (then what was gathered is used). */
function gatheringDone(pc: RTCPeerConnection, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const finish = (): void => {
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', check);
      resolve();
    };
    const check = (): void => {
      if (pc.iceGatheringState === 'complete') finish();
    };
    const timer = setTimeout(finish, ms);
    pc.addEventListener('icegatheringstatechange', check);
    check();
  });
}
