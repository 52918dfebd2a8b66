/**
 * What a benchmark case is. Each file in bench/cases/ default-exports one `BenchCase`; the
 * harness (bench/main.ts) finds them by name order, runs them one after the other and prints
 * the rows they return. Adding a row (say, WebRTC Node <-> Node) is one new file there.
 *
 * A case measures Peerfold and its reference side by side in the same run, on the same
 * endpoints. It throws (never returns a row) when a measurement is not valid: a peer that never
 * connects, a tree that differs after the transfer.
 */

export interface BenchContext {
  /** `--quick`: smaller sizes, for a run under 3 minutes. */
  readonly quick: boolean;
  /** `--scale F` (development): sizes and counts multiplied by F; labels show the real sizes. */
  readonly scale: number;
  /** `--files N`: the file count of the scale case's folder instead of its default. */
  readonly files: number | undefined;
  /** A fresh folder for this case, removed after it. */
  readonly tmp: string;
  /** `--profile`: Peerfold receivers write a CPU profile here (node --cpu-prof). */
  readonly profileDir: string | undefined;
  /** A progress line on stderr (stdout carries only the table). */
  log(message: string): void;
}

export interface Figure {
  readonly value: number;
  /** 'MB/s', 's', 'B' (bytes), 'MiB' ... : report.ts formats by unit. */
  readonly unit: string;
}

export interface Row {
  /** Stable key for JSON consumers, e.g. 'throughput.1-file.from-connect'. */
  readonly id: string;
  /** What is measured, for a person. */
  readonly label: string;
  readonly peerfold: Figure;
  readonly reference?: Figure & { readonly name: string };
  /** peerfold / reference. */
  readonly ratio?: number;
  /** DESIGN.md section 9's target for this figure, in words ('>= 70 % of raw'). */
  readonly target?: string;
  /** Whether the target is met (absent: no target for this row). */
  readonly met?: boolean;
  readonly note?: string;
}

export interface BenchCase {
  /** Short name used by `--only` and in progress lines. */
  readonly name: string;
  /** Full runs only (e.g. the 1 GiB memory case). */
  readonly fullOnly?: boolean;
  run(ctx: BenchContext): Promise<Row[]>;
}

/** A ratio row: peerfold / reference, with the target checked by `meets`. */
export function compare(
  row: Omit<Row, 'ratio' | 'met'>,
  meets?: (ratio: number, peerfold: number) => boolean,
): Row {
  const ratio = row.reference ? row.peerfold.value / row.reference.value : undefined;
  const met = meets ? meets(ratio ?? Number.NaN, row.peerfold.value) : undefined;
  return { ...row, ...(ratio !== undefined && { ratio }), ...(met !== undefined && { met }) };
}

export const MiB = 1024 * 1024;

/** `n` scaled by `--scale`, at least `min`. */
export const scaled = (ctx: BenchContext, n: number, min = 1): number =>
  Math.max(min, Math.round(n * ctx.scale));

/** 256 MiB, 1.5 GiB, 12 KiB: sizes in row labels. */
export function sizeLabel(bytes: number): string {
  for (const [unit, size] of [
    ['GiB', MiB * 1024],
    ['MiB', MiB],
    ['KiB', 1024],
  ] as const) {
    if (bytes >= size) return `${+(bytes / size).toFixed(1)} ${unit}`;
  }
  return `${bytes} B`;
}

/** MB/s (10^6 bytes per second), as DESIGN.md section 9 quotes them. */
export const mbPerS = (bytes: number, ms: number): Figure => ({
  value: bytes / 1e6 / (ms / 1000),
  unit: 'MB/s',
});

export const seconds = (ms: number): Figure => ({ value: ms / 1000, unit: 's' });
