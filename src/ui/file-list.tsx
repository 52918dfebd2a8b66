import type { FileListing, FileView } from './engine-client';
import { formatBytes, formatTime } from './format';

interface Props {
  listing: FileListing | undefined;
  /** Whether the engine is (about to be) reading the folder. */
  folderOpening: boolean;
  /** Downloads one file; absent where the folder cannot be read now. */
  onDownload?: (path: string) => void;
}

const STATE_TEXT: Record<FileView['state'], string> = {
  recorded: 'Up to date',
  local: 'Changed here only',
};

/** The files of the share as indexed: size, time, state; conflict copies marked. */
export function FileList({ listing, folderOpening, onDownload }: Props) {
  if (!listing) {
    return (
      <p class="hint">
        {folderOpening ? 'Reading the file list…' : 'The file list shows once the folder is open.'}
      </p>
    );
  }
  if (listing.files.length === 0) return <p class="empty">No files yet.</p>;
  return (
    <>
      <div class="table-wrap">
        <table class="file-list" aria-label="Files">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Size</th>
              <th scope="col">Modified</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {listing.files.map((f) => (
              <tr key={f.path} class={f.conflictOf ? 'conflict' : undefined}>
                <th scope="row" class="file-name">
                  <span class="path">{f.kind === 'dir' ? `${f.path}/` : f.path}</span>{' '}
                  {f.conflictOf && (
                    <span class="badge badge-conflict">Conflict copy of {f.conflictOf}</span>
                  )}{' '}
                  {onDownload && f.kind === 'file' && (
                    <button
                      type="button"
                      class="link-button"
                      aria-label={`Download ${f.path}`}
                      onClick={() => onDownload(f.path)}
                    >
                      Download
                    </button>
                  )}
                </th>
                <td>{f.kind === 'dir' ? 'Folder' : formatBytes(f.size)}</td>
                <td>{f.kind === 'dir' ? '' : formatTime(f.mtime)}</td>
                <td>{STATE_TEXT[f.state]}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {listing.more > 0 && <p class="hint">…and {listing.more} more not listed here.</p>}
    </>
  );
}
