/**
 * Import and export through the share's drive, so every data-safety rule of the drive holds
 * (DESIGN.md section 6): an import is an atomic write that re-checks the file it replaces,
 * paths are validated, an export reads snapshots (a file replaced mid-read fails, never mixes).
 */
import type { Drive, DriveEntry } from '../core/drive';
import { PeerfoldError } from '../core/errors';
import { baseName, comparePaths, normalizePath, validatePath } from '../core/path';
import { ZipWriter } from '../engine/zip';

const CHUNK = 1 << 20;

async function* blobChunks(blob: Blob): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < blob.size; at += CHUNK) {
    yield new Uint8Array(await blob.slice(at, at + CHUNK).arrayBuffer());
  }
}

/** Writes each file at its path (replacing a file there); returns how many were written. */
export async function importFiles(
  drive: Drive,
  paths: readonly string[],
  files: readonly Blob[],
): Promise<number> {
  const targets = paths.map((p) => validatePath(normalizePath(p)));
  for (const [i, path] of targets.entries()) {
    const file = files[i]!;
    const found = await drive.stat(path);
    if (found?.kind === 'dir') {
      throw new PeerfoldError('changed', `${path}: a folder of that name is already there`, false);
    }
    const modified = (file as Partial<File>).lastModified;
    await drive.write(path, blobChunks(file), {
      mtime: typeof modified === 'number' && modified > 0 ? modified : Date.now(),
      executable: found?.executable ?? false,
      expect: found ? { size: found.size, mtime: found.mtime } : 'absent',
    });
  }
  return targets.length;
}

/** One file's bytes, as a Blob named after the file. */
export async function exportFile(
  drive: Drive,
  path: string,
): Promise<{ blob: Blob; name: string }> {
  const found = await drive.stat(validatePath(path));
  if (found?.kind !== 'file') throw new PeerfoldError('missing', `${path}: no such file`, false);
  const parts: BlobPart[] = [];
  for await (const chunk of drive.readStream(path)) parts.push(chunk as Uint8Array<ArrayBuffer>);
  return { blob: new Blob(parts), name: baseName(path) };
}

/** The whole folder as a store-only zip, built file by file into Blob parts. */
export async function exportZip(drive: Drive): Promise<Blob> {
  const entries: DriveEntry[] = [];
  for await (const e of drive.list()) entries.push(e);
  entries.sort((a, b) => comparePaths(a.path, b.path));
  const blobs: Blob[] = [];
  let pending: BlobPart[] = [];
  const zip = new ZipWriter((part) => pending.push(part as Uint8Array<ArrayBuffer>));
  const seal = (): void => {
    blobs.push(new Blob(pending)); // lets the browser move the bytes out of the worker's heap
    pending = [];
  };
  for (const e of entries) {
    if (e.kind === 'dir') zip.addDir(e.path, e.mtime);
    else await zip.addFile(e.path, e.mtime, drive.readStream(e.path));
    seal();
  }
  zip.finish();
  seal();
  return new Blob(blobs, { type: 'application/zip' });
}
