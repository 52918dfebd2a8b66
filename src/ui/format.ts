// Sizes, durations and times in the words and units people read.

const UNITS = ['KB', 'MB', 'GB', 'TB'];

/** `512 bytes`, `1 byte`, `2.9 KB`, `32.0 MB` (1 KB = 1024 bytes). */
export function formatBytes(n: number): string {
  if (n < 1024) return n === 1 ? '1 byte' : `${n} bytes`;
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** `850 ms`, `3.2 s`. */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function formatTime(ms: number): string {
  return new Date(ms).toLocaleString();
}

/** `1 file`, `3 files`. */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
