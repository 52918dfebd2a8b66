/**
 * What the WebRTC throughput cases (Node <-> Node, Chromium <-> Chromium, Chromium <-> Node)
 * share: their data sets (random data in one file and in many, the same plan on disk and in a
 * browser) and their rows (Peerfold from its first peer to done, beside the raw data channel with
 * the target, and beside WebTorrent; connect times in the notes).
 *
 * Quick runs keep to what fits in their 3 minutes: the many-files set only, 4 MiB in 20 files,
 * and the raw data channel only (WebTorrent's WebRTC start alone takes 10 s in Node).
 */
import { compare, mbPerS, MiB, scaled, sizeLabel, type BenchContext, type Row } from './case';
import { treePlan, type PlannedFile } from './data';
import type { Timing } from './references-rtc';

export interface RtcDataSet {
  readonly key: string;
  readonly label: string;
  readonly files: readonly PlannedFile[];
  readonly bytes: number;
}

/** 256 MiB in 1 file and in 2000 files, as the TCP rows (quick: 4 MiB in 20 files only). */
export function rtcDataSets(ctx: BenchContext): RtcDataSet[] {
  const total = scaled(ctx, (ctx.quick ? 4 : 256) * MiB);
  const count = scaled(ctx, ctx.quick ? 20 : 2000, 2);
  const many = treePlan(count, total);
  const sets: RtcDataSet[] = [
    {
      key: `${count}-files`,
      label: `${sizeLabel(total)} in ${count} files${ctx.quick ? ' (quick)' : ''}`,
      files: many,
      bytes: many.reduce((n, f) => n + f.size, 0),
    },
  ];
  if (ctx.quick) return sets;
  const one = { path: 'data.bin', size: total };
  return [
    { key: '1-file', label: `${sizeLabel(total)} in 1 file`, files: [one], bytes: total },
    ...sets,
  ];
}

/** Whether WebTorrent runs too (full runs). */
export const withWebTorrent = (ctx: BenchContext): boolean => !ctx.quick;

const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** The rows of one path and data set: beside the raw channel (target) and WebTorrent. */
export function rtcRows(
  path: { readonly key: string; readonly label: string },
  set: RtcDataSet,
  t: { readonly peerfold: Timing; readonly raw: Timing; readonly webtorrent?: Timing },
): Row[] {
  const label = `Throughput ${path.label}, ${set.label}, from first peer`;
  const peerfold = mbPerS(set.bytes, t.peerfold.fromConnectMs);
  const fromStart = (x: Timing): string => mbPerS(set.bytes, x.fromStartMs).value.toFixed(1);
  const rows = [
    compare(
      {
        id: `throughput.${path.key}.${set.key}.from-connect.raw`,
        label,
        peerfold,
        reference: { name: 'raw data channel', ...mbPerS(set.bytes, t.raw.fromConnectMs) },
        target: '>= 70 % of raw',
        note: `from receiver start: Peerfold ${fromStart(t.peerfold)} MB/s, first peer after ${s(t.peerfold.connectMs)}`,
      },
      (ratio) => ratio >= 0.7,
    ),
  ];
  if (t.webtorrent) {
    rows.push(
      compare({
        id: `throughput.${path.key}.${set.key}.from-connect.webtorrent`,
        label,
        peerfold,
        reference: { name: 'WebTorrent', ...mbPerS(set.bytes, t.webtorrent.fromConnectMs) },
        note: `from receiver start: WebTorrent ${fromStart(t.webtorrent)} MB/s, first peer after ${s(t.webtorrent.connectMs)}`,
      }),
    );
  }
  return rows;
}

/** A progress line: MB/s from connect, and the connect time. */
export function logTiming(ctx: BenchContext, name: string, bytes: number, t: Timing): void {
  const mbs = mbPerS(bytes, t.fromConnectMs).value.toFixed(1);
  ctx.log(`  ${name}: ${mbs} MB/s from connect, connected after ${s(t.connectMs)}`);
}
