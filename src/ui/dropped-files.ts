// Files out of a drop or a file input, each with the path it gets in the share: its name, or
// for a dropped or chosen folder its path inside that folder (the folder's name first).

export interface PickedFile {
  readonly path: string;
  readonly file: File;
}

/** From an <input type=file>, with or without `webkitdirectory`. */
export function fromInput(list: FileList | null): PickedFile[] {
  return [...(list ?? [])].map((file) => ({ path: file.webkitRelativePath || file.name, file }));
}

/** From a drop: files, and folders walked recursively. */
export async function fromDrop(data: DataTransfer | null): Promise<PickedFile[]> {
  if (!data) return [];
  const entries = [...data.items]
    .map((item) => item.webkitGetAsEntry?.())
    .filter((e): e is FileSystemEntry => e !== null && e !== undefined);
  if (entries.length === 0) return fromInput(data.files);
  const out: PickedFile[] = [];
  for (const entry of entries) await walk(entry, out);
  return out;
}

async function walk(entry: FileSystemEntry, out: PickedFile[]): Promise<void> {
  const path = entry.fullPath.replace(/^\/+/, '');
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) =>
      (entry as FileSystemFileEntry).file(resolve, reject),
    );
    out.push({ path, file });
    return;
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) =>
      reader.readEntries(resolve, reject),
    );
    if (batch.length === 0) return;
    for (const child of batch) await walk(child, out);
  }
}
