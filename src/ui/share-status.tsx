import type { ShareStatusView } from './engine-client';
import { count, formatBytes, formatDuration } from './format';
import { peersLine, peerText, statusLine } from './status-text';

interface Props {
  status: ShareStatusView | undefined;
  folderName?: string;
  /** Absent for a Store copy (nothing to rescan). */
  onRescan?: () => void;
}

/** The share's status line, progress, peers, what the folder holds, and storage use. */
export function ShareStatus({ status, folderName, onRescan }: Props) {
  const p = status?.progress;
  const t = status?.transfer;
  const peers = status?.peerList ?? [];
  const attention = status?.phase === 'paused' || status?.phase === 'error';
  return (
    <section class="panel" aria-labelledby="status-title">
      <h2 id="status-title">Status</h2>
      <p
        class={`status-line status-${status?.phase ?? 'starting'}${attention ? ' warning' : ''}`}
        role="status"
        aria-label="Sync status"
      >
        {statusLine(status, folderName)}
      </p>
      {p && p.bytesToRead > 0 && (
        <progress
          class="scan-progress"
          aria-label="Scan progress"
          value={p.bytesRead}
          max={p.bytesToRead}
        />
      )}
      {t && (
        <progress
          class="receive-progress"
          aria-label="Receive progress"
          value={t.bytesReceived}
          max={t.bytesReceived + t.bytesPendingEstimate}
        />
      )}
      <p class="hint peers-line">{peersLine(status)}</p>
      {peers.length > 0 && (
        <ul class="peer-list" aria-label="Peers">
          {peers.map((peer, i) => (
            <li key={i}>{peerText(peer)}</li>
          ))}
        </ul>
      )}
      {status?.counts && (
        <p class="counts">
          {count(status.counts.files, 'file')}, {formatBytes(status.counts.bytes)}
          {status.counts.folders > 0 && <> in {count(status.counts.folders, 'folder')}</>}
          {status.counts.conflicts > 0 && (
            <> · {count(status.counts.conflicts, 'conflict copy', 'conflict copies')}</>
          )}
          {status.versions !== undefined && <> · {count(status.versions, 'version')} signed</>}
        </p>
      )}
      {!status?.counts && status?.versions !== undefined && (
        <p class="counts">{count(status.versions, 'version')} kept, encrypted.</p>
      )}
      {status?.lastScan && (
        <p class="hint last-scan">
          Last read {count(status.lastScan.files, 'file')} ({formatBytes(status.lastScan.bytes)}) in{' '}
          {formatDuration(status.lastScan.ms)}, in the background.
        </p>
      )}
      {status?.storage && <StorageUse {...status.storage} />}
      {onRescan && (
        <div class="actions">
          <button type="button" onClick={onRescan}>
            Rescan now
          </button>
        </div>
      )}
    </section>
  );
}

function StorageUse({ usage, quota }: { usage: number; quota: number }) {
  const full = usage / quota;
  return (
    <p class={full > 0.9 ? 'warning' : 'hint'}>
      Browser storage: {formatBytes(usage)} used of {formatBytes(quota)}
      {full > 0.9 && ' — nearly full: new data may be refused'}.
    </p>
  );
}
