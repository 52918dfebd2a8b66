/**
 * What commands print. With --json, every event is one JSON object on its own line of stdout;
 * otherwise a human line. A progress line is redrawn in place (\r) only on a terminal; piped,
 * it is an ordinary line at most every few seconds.
 */
import type { Writable } from 'node:stream';

export interface CliEvent {
  readonly event: string;
}

export interface Printer {
  readonly json: boolean;
  /** An event: its JSON line, or else the human text (if any). */
  event(event: CliEvent, human?: string): void;
  /** A human line (nothing in JSON mode). */
  line(text: string): void;
  /** A progress line (nothing in JSON mode: the progress event carries it). */
  progress(text: string): void;
}

const PIPED_PROGRESS_MS = 5_000;

export function createPrinter(json: boolean, out: Writable & { isTTY?: boolean }): Printer {
  const tty = out.isTTY === true;
  let drawn = false;
  let lastPiped = 0;
  let lastText = '';
  const write = (text: string): void => {
    out.write(text);
  };
  const line = (text: string): void => {
    if (drawn) write('\r\x1b[K');
    drawn = false;
    write(`${text}\n`);
  };
  return {
    json,
    event(event, human) {
      if (json) write(`${JSON.stringify(event)}\n`);
      else if (human !== undefined) line(human);
    },
    line(text) {
      if (!json) line(text);
    },
    progress(text) {
      if (json || text === lastText) return;
      lastText = text;
      if (tty) {
        write(`\r\x1b[K${text}`);
        drawn = true;
      } else if (Date.now() - lastPiped >= PIPED_PROGRESS_MS) {
        lastPiped = Date.now();
        line(text);
      }
    },
  };
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${n} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** `2024-05-01 12:00:05` in UTC, or 'never'. */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return 'never';
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
