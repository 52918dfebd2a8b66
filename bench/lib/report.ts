/**
 * The run's results: one Markdown table (printed on stdout, and saved beside the JSON in
 * bench/results/<date>.{json,md}), and the run's facts (machine from the os module, Node
 * version, git commit) that make a figure re-checkable.
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import type { Figure, Row } from './case';

export interface RunInfo {
  readonly date: string;
  readonly mode: 'full' | 'quick';
  readonly scale: number;
  readonly only: readonly string[];
  /** --files, when given. */
  readonly files: number | undefined;
  readonly machine: {
    readonly cpu: string;
    readonly cores: number;
    readonly memoryGiB: number;
    readonly os: string;
    readonly loadAtStart: readonly number[];
    loadAtEnd?: readonly number[];
  };
  readonly node: string;
  readonly commit: string;
  wallSeconds?: number;
}

export interface Results {
  readonly info: RunInfo;
  readonly rows: Row[];
  readonly failures: { case: string; error: string }[];
}

function gitCommit(): string {
  try {
    const git = (...args: string[]): string =>
      execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = git('status', '--porcelain', '--untracked-files=no') !== '';
    return `${git('rev-parse', '--short', 'HEAD')}${dirty ? ' (with uncommitted changes)' : ''}`;
  } catch {
    return 'unknown';
  }
}

export function runInfo(
  mode: RunInfo['mode'],
  scale: number,
  only: readonly string[],
  files: number | undefined,
): RunInfo {
  const cpu = cpus();
  return {
    date: new Date().toISOString(),
    mode,
    scale,
    only,
    files,
    machine: {
      cpu: cpu[0]?.model.trim() ?? 'unknown',
      cores: cpu.length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      os: `${type()} ${release()}`,
      loadAtStart: loadavg().map((l) => +l.toFixed(2)),
    },
    node: process.version,
    commit: gitCommit(),
  };
}

export function formatFigure(f: Figure): string {
  if (f.unit === 'B') {
    if (f.value >= 2 ** 20) return `${(f.value / 2 ** 20).toFixed(1)} MiB`;
    if (f.value >= 1024) return `${(f.value / 1024).toFixed(1)} KiB`;
    return `${Math.round(f.value)} B`;
  }
  const digits = f.value >= 100 ? 0 : f.value >= 10 ? 1 : 2;
  return `${f.value.toFixed(digits)} ${f.unit}`;
}

const ratioText = (r: number): string => `${r >= 0.1 ? r.toFixed(2) : r.toPrecision(2)}×`;
const cell = (s: string): string => s.replace(/\|/g, '\\|');

/** The results table, Markdown (readable as is on a terminal). */
export function table(rows: readonly Row[]): string {
  const lines = [
    '| # | measure | Peerfold | reference | ratio | target | met |',
    '|---|---|---|---|---|---|---|',
  ];
  rows.forEach((r, i) => {
    const ref = r.reference ? `${r.reference.name}: ${formatFigure(r.reference)}` : '—';
    const met = r.met === undefined ? '' : r.met ? 'yes' : '**no**';
    lines.push(
      `| ${i + 1} | ${cell(r.label)}${r.note ? ` (${cell(r.note)})` : ''} | ${formatFigure(r.peerfold)} | ${cell(ref)} | ${r.ratio === undefined ? '—' : ratioText(r.ratio)} | ${cell(r.target ?? '—')} | ${met} |`,
    );
  });
  return lines.join('\n');
}

/** The run's facts, one Markdown list. */
export function facts(info: RunInfo): string {
  const m = info.machine;
  const load = `${m.loadAtStart.join(' / ')}${m.loadAtEnd ? ` at start, ${m.loadAtEnd.join(' / ')} at end` : ''}`;
  return [
    `- date: ${info.date}`,
    `- mode: ${info.mode}${info.scale !== 1 ? `, sizes scaled by ${info.scale}` : ''}${info.only.length ? `, cases: ${info.only.join(', ')}` : ''}${info.files ? `, --files ${info.files}` : ''}${info.wallSeconds ? `, wall time ${Math.round(info.wallSeconds)} s` : ''}`,
    `- machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}; load average (1/5/15 min) ${load}`,
    `- Node ${info.node}, commit ${info.commit}`,
  ].join('\n');
}

export function markdown(results: Results): string {
  const failed = results.failures.map((f) => `- **${f.case} failed**: ${f.error}`);
  return [
    facts(results.info),
    '',
    table(results.rows),
    ...(failed.length ? ['', ...failed] : []),
    '',
  ].join('\n');
}
