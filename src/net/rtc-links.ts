/**
 * The page tracker client's peer connections (rtc-tracker.ts): all that are alive, our offers
 * awaiting an answer by offer id, and the links by remote peer id, which keep one link per
 * remote peer.
 */
import type { PeerLink } from './rtc-link';

export class LinkTable {
  private readonly live = new Set<PeerLink>();
  /** Our offers awaiting an answer, by offer id (binary). */
  private readonly offers = new Map<string, PeerLink>();
  /** Live links by remote peer id (binary). */
  private readonly byPeer = new Map<string, PeerLink>();

  get size(): number {
    return this.live.size;
  }

  get negotiating(): number {
    let n = 0;
    for (const link of this.live) if (link.negotiating) n++;
    return n;
  }

  all(): PeerLink[] {
    return [...this.live];
  }

  unanswered(): PeerLink[] {
    return [...this.offers.values()];
  }

  add(link: PeerLink, offerId?: string): void {
    this.live.add(link);
    if (offerId !== undefined) this.offers.set(offerId, link);
  }

  linkedTo(peer: string): boolean {
    return this.byPeer.has(peer);
  }

  /** Records the answering link for a remote peer's offer. */
  answering(peer: string, link: PeerLink): void {
    this.byPeer.set(peer, link);
  }

  /** Our offer `offerId`, no longer awaiting an answer; undefined if unknown or expired. */
  takeOffer(offerId: string): PeerLink | undefined {
    const link = this.offers.get(offerId);
    this.offers.delete(offerId);
    return link;
  }

  /**
   * Whether an answer from `peer` to one of our offers may proceed (then it is recorded). It is
   * refused when we have a link with that peer already, but for one case: both peers answered
   * each other's offers at once. Then the offer of the lower peer id wins, on both sides, and
   * our answering link, still negotiating, is closed.
   */
  admitAnswer(ourId: string, peer: string, link: PeerLink): boolean {
    const existing = this.byPeer.get(peer);
    if (existing) {
      if (existing.initiator || !existing.negotiating || ourId > peer) return false;
      existing.close('lost the tie-break');
    }
    this.byPeer.set(peer, link);
    return true;
  }

  remove(link: PeerLink): void {
    this.live.delete(link);
    for (const [offerId, offered] of this.offers) if (offered === link) this.offers.delete(offerId);
    const peer = link.remoteBinaryId;
    if (peer !== undefined && this.byPeer.get(peer) === link) this.byPeer.delete(peer);
  }
}
