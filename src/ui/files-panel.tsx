import { useState } from 'preact/hooks';
import { download } from './download';
import type { EngineClient, FileListing } from './engine-client';
import { fromDrop, fromInput, type PickedFile } from './dropped-files';
import { FileList } from './file-list';

interface Props {
  engine: EngineClient;
  shareId: string;
  shareName: string;
  listing: FileListing | undefined;
  /** Whether the folder is open now (import and export go through it). */
  canUseFolder: boolean;
  /** Whether the engine is starting on the folder. */
  folderOpening: boolean;
  /** The files live in this browser (no folder picker): say how to get them in and out. */
  inBrowser: boolean;
}

/** The file list, import (inputs, drag and drop) and export (one file, or all as a zip). */
export function FilesPanel({
  engine,
  shareId,
  shareName,
  listing,
  canUseFolder,
  folderOpening,
  inBrowser,
}: Props) {
  const [message, setMessage] = useState<{ error: boolean; text: string } | undefined>();
  const [busy, setBusy] = useState(false);
  const [dragging, setDragging] = useState(false);

  const run = (work: () => Promise<string | undefined>) => {
    setBusy(true);
    setMessage(undefined);
    work()
      .then(
        (text) => setMessage(text ? { error: false, text } : undefined),
        (e: unknown) =>
          setMessage({ error: true, text: e instanceof Error ? e.message : String(e) }),
      )
      .finally(() => setBusy(false));
  };
  const add = (picked: PickedFile[]) => {
    if (picked.length === 0) return;
    run(async () => {
      const paths = picked.map((p) => p.path);
      await engine.import(
        shareId,
        paths,
        picked.map((p) => p.file),
      );
      return `Added ${paths.length === 1 ? paths[0] : `${paths.length} files`}.`;
    });
  };
  const exportOne = (path: string) =>
    run(async () => {
      const { blob, name } = await engine.export(shareId, path);
      download(blob, name ?? 'file');
      return undefined;
    });
  const exportAll = () =>
    run(async () => {
      const { blob } = await engine.export(shareId);
      download(blob, `${shareName.replace(/[\\/:*?"<>|]+/g, '_') || 'share'}.zip`);
      return undefined;
    });

  return (
    <section class="panel" aria-labelledby="files-title">
      <h2 id="files-title">Files</h2>
      <FileList
        listing={listing}
        folderOpening={folderOpening || canUseFolder}
        onDownload={canUseFolder ? exportOne : undefined}
      />
      {canUseFolder && (
        <div
          class={`drop-zone${dragging ? ' dragging' : ''}`}
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={(e) => {
            e.preventDefault();
            setDragging(false);
            const data = e.dataTransfer;
            fromDrop(data).then(add, () =>
              setMessage({ error: true, text: 'That drop could not be read.' }),
            );
          }}
        >
          <p class="hint">
            {inBrowser
              ? 'The files live in this browser. Add files or a folder here (or drop them on this box), and download them back one by one or all as a zip.'
              : 'Drop files or a folder here, or add them with the buttons: they are written into the folder.'}
          </p>
          <div class="actions">
            <label class="file-button">
              Add files
              <input
                type="file"
                multiple
                disabled={busy}
                onChange={(e) => {
                  add(fromInput(e.currentTarget.files));
                  e.currentTarget.value = '';
                }}
              />
            </label>
            <label class="file-button">
              Add a folder
              <input
                type="file"
                {...{ webkitdirectory: '' }}
                disabled={busy}
                onChange={(e) => {
                  add(fromInput(e.currentTarget.files));
                  e.currentTarget.value = '';
                }}
              />
            </label>
            <button type="button" disabled={busy} onClick={exportAll}>
              Download all as zip
            </button>
          </div>
        </div>
      )}
      {message && (
        <p class={message.error ? 'warning' : 'hint'} role={message.error ? 'alert' : 'status'}>
          {message.text}
        </p>
      )}
    </section>
  );
}
