/**
 * The events `peerfold share` reports, one JSON object per line with --json (docs/CLI.md lists
 * them), and their human lines.
 */
import { ROLE_NAME, type Role } from '../core/capability';
import { formatBytes, formatTime, plural } from './output';
import type { StatusReport } from './share-monitor';

export type ShareEvent =
  | {
      event: 'started';
      share: string;
      role: Role;
      dir: string | null;
      data: string;
      device: string;
      pid: number;
    }
  | { event: 'listening'; port: number }
  | ({ event: 'status' } & StatusReport)
  | { event: 'progress'; pending: number; received: number; sent: number }
  | {
      event: 'peer';
      action: 'connected' | 'left';
      role: Role | null;
      address: string | null;
      transport: string;
      peers: number;
      reason?: string;
    }
  | {
      event: 'dial-failed';
      address: string;
      source: string;
      reason: string;
      retryMs: number | null;
    }
  | { event: 'warning'; message: string }
  | { event: 'stopped'; signal: string };

const roleName = (role: Role | null): string => (role ? ROLE_NAME[role] : 'unknown role');

/** The human line for an event (undefined: nothing to print). */
export function describeEvent(e: ShareEvent): string | undefined {
  switch (e.event) {
    case 'started':
      return e.dir
        ? `Sharing ${e.dir} as ${ROLE_NAME[e.role]} (share ${e.share.slice(0, 12)}, pid ${e.pid})`
        : `Keeping an encrypted Store replica of share ${e.share.slice(0, 12)} in ${e.data} (pid ${e.pid})`;
    case 'listening':
      return `listening on port ${e.port}`;
    case 'status': {
      const peers = plural(e.peers, 'peer');
      if (e.state === 'up-to-date')
        return `up to date (${peers}, last sync ${formatTime(e.lastSync)})`;
      if (e.state === 'syncing') return `syncing (${peers})`;
      if (e.state === 'stopped') return undefined;
      return `${e.state}: ${e.reason ?? 'unknown reason'}`;
    }
    case 'progress':
      return `syncing: ${plural(e.pending, 'object')} to fetch, ${formatBytes(e.received)} received, ${formatBytes(e.sent)} sent`;
    case 'peer': {
      const who = `${roleName(e.role)} peer${e.address ? ` ${e.address}` : ''}`;
      const count = plural(e.peers, 'peer');
      return e.action === 'connected'
        ? `${who} connected (${count})`
        : `${who} left: ${e.reason ?? 'disconnected'} (${count})`;
    }
    case 'dial-failed': {
      // Found peers come and go; only the ones the user named are worth a line.
      if (e.source !== 'manual') return undefined;
      const next =
        e.retryMs === null ? 'not retrying' : `retrying in ${Math.round(e.retryMs / 1000)} s`;
      return `cannot reach ${e.address} (${e.reason}), ${next}`;
    }
    case 'warning':
      return `warning: ${e.message}`;
    case 'stopped':
      return `stopped (${e.signal})`;
  }
}
