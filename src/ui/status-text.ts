// A share's status in words: one line for what it is doing, one for its peers.
import type { PeerView, ShareStatusView } from './engine-client';
import { count, formatBytes } from './format';

/** What the share is doing, as the status line says it. */
export function statusLine(status: ShareStatusView | undefined, folderName?: string): string {
  if (!status) return 'Starting…';
  const folder = folderName ? `“${folderName}”` : 'the folder';
  switch (status.phase) {
    case 'starting':
      return 'Starting…';
    case 'no-folder':
      return 'Waiting for a folder: choose one below.';
    case 'scanning':
      return scanning(status);
    case 'writing':
      return `Writing received changes into ${folder}…`;
    case 'up-to-date':
      return status.peers > 0
        ? `Up to date · ${count(status.peers, 'peer')} connected`
        : 'Up to date · waiting for peers';
    case 'receiving':
      return receiving(status);
    case 'paused':
      switch (status.reason) {
        case 'no-permission':
          return `Paused: folder permission needed. Allow access to ${folder} below and sync resumes.`;
        case 'missing-marker':
          return `Paused: ${folder} lost its .peerfold marker folder (was it emptied or replaced?). Nothing was deleted; sync resumes when the marker is back, or choose the folder again.`;
        case 'other-tab':
          return 'Open in another tab: this share syncs there. This tab takes over when that one is closed.';
        case 'over-quota':
          return 'Paused: this browser’s storage for the app is full. Free some space (or leave shares you no longer need); nothing was lost.';
        default:
          return `Paused: folder gone. ${folder} was moved or deleted; nothing is deleted elsewhere because of it. Sync resumes when it is back, or choose the folder again.`;
      }
    case 'error':
      return status.message ?? 'Sync stopped because of an error.';
  }
}

function scanning(status: ShareStatusView): string {
  const p = status.progress;
  if (!p || p.reading === 0) {
    return p && p.listed > 0 ? `Scanning ${count(p.listed, 'item')}…` : 'Scanning…';
  }
  return `Scanning: reading ${count(p.reading, 'file')}, ${formatBytes(p.bytesRead)} of ${formatBytes(p.bytesToRead)}…`;
}

function receiving(status: ShareStatusView): string {
  const t = status.transfer;
  if (!t) return 'Receiving changes…';
  const total = t.bytesReceived + t.bytesPendingEstimate;
  const speed = t.bytesPerSecond > 0 ? ` · ${formatBytes(t.bytesPerSecond)}/s` : '';
  return `Receiving: ${formatBytes(t.bytesReceived)} of about ${formatBytes(total)}, ${count(t.objectsPending, 'block')} to go${speed}`;
}

/** Who this browser is connected to, or why nobody yet. */
export function peersLine(status: ShareStatusView | undefined): string {
  const n = status?.peers ?? 0;
  if (n > 0) return `Connected to ${count(n, 'peer')}:`;
  const handshaking = status?.peerList?.length ?? 0;
  if (handshaking > 0) return `Connecting to ${count(handshaking, 'peer')}…`;
  return 'No peers connected. Changes stay in this browser until another device with the link is online.';
}

const ROLE_WORDS = { write: 'can edit', read: 'read-only', store: 'encrypted copy' } as const;

/** One peer, in words: “WebRTC · can edit · ↓ 3.2 MB ↑ 12 KB”. */
export function peerText(peer: PeerView): string {
  const transport = peer.transport === 'webrtc' ? 'WebRTC' : peer.transport.toUpperCase();
  if (peer.state !== 'open') return `${transport} · connecting…`;
  const role = peer.role ? ` · ${ROLE_WORDS[peer.role]}` : '';
  return `${transport}${role} · ↓ ${formatBytes(peer.bytesReceived)} ↑ ${formatBytes(peer.bytesSent)}`;
}
