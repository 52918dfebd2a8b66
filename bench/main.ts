/**
 * `npm run bench`: runs every case in bench/cases/ (in file name order), one at a time, prints
 * one table on stdout (progress goes to stderr) and writes it to bench/results/<date>.json and
 * .md. A full run (no --quick, --only or --scale) also rewrites docs/PERFORMANCE.md unless
 * --no-doc is given. A case that fails prints no row: its error is listed and the exit code is 1.
 *
 *   node --import tsx bench/main.ts [--quick] [--only a,b] [--scale F] [--profile] [--no-doc]
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { format, resolveConfig } from 'prettier';
import type { BenchCase } from './lib/case';
import { closeAllBrowsers } from './lib/chromium';
import { performanceDoc } from './lib/doc';
import { stopAllProcs } from './lib/proc';
import { markdown, runInfo, table, type Results } from './lib/report';

const HELP = `usage: npm run bench -- [--quick] [--only CASE,...] [--files N] [--scale F] [--profile] [--no-doc]
  --quick     smaller sizes (a run under 3 minutes): no 1 GiB Node memory case, the WebRTC
              rows with 4 MiB beside the raw data channel only, Chromium's memory with 8 MiB
  --files N   the scale case's folder holds N files (default 100 000, quick 2 000)
  --only      run these cases only (names: throughput, throughput-webrtc, throughput-chromium,
              throughput-chromium-node, delta, scale, first-peer, memory, memory-chromium)
  --scale F   multiply data sizes and file counts by F (development; never written to the doc)
  --profile   Peerfold processes write CPU profiles (node --cpu-prof) to bench/results/profiles
  --no-doc    do not rewrite docs/PERFORMANCE.md after a full run`;

const root = fileURLToPath(new URL('..', import.meta.url));

async function loadCases(): Promise<BenchCase[]> {
  const dir = join(root, 'bench', 'cases');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.ts')).sort();
  const cases: BenchCase[] = [];
  for (const f of files) {
    const mod = (await import(pathToFileURL(join(dir, f)).href)) as { default: BenchCase };
    cases.push(mod.default);
  }
  return cases;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean' },
      only: { type: 'string' },
      scale: { type: 'string' },
      files: { type: 'string' },
      profile: { type: 'boolean' },
      'no-doc': { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return (console.log(HELP), 0);
  const quick = values.quick ?? false;
  const scale = values.scale === undefined ? 1 : Number(values.scale);
  if (!(scale > 0)) throw new Error('--scale needs a positive number');
  const files = values.files === undefined ? undefined : Number(values.files);
  if (files !== undefined && !(Number.isInteger(files) && files > 0)) {
    throw new Error('--files needs a positive whole number');
  }
  const only = values.only?.split(',').filter(Boolean) ?? [];
  const all = await loadCases();
  const unknown = only.filter((n) => !all.some((c) => c.name === n));
  if (unknown.length) throw new Error(`unknown case ${unknown.join(', ')}: ${HELP}`);
  const cases = all.filter((c) => (only.length ? only.includes(c.name) : !(quick && c.fullOnly)));

  const info = runInfo(quick ? 'quick' : 'full', scale, only, files);
  const resultsDir = join(root, 'bench', 'results');
  const profileDir = values.profile ? join(resultsDir, 'profiles', info.date) : undefined;
  const results: Results = { info, rows: [], failures: [] };
  const tmp = await mkdtemp(join(tmpdir(), 'peerfold-bench-'));
  const started = performance.now();
  const log = (m: string): void => void process.stderr.write(`${m}\n`);
  try {
    for (const c of cases) {
      const caseTmp = join(tmp, c.name);
      await mkdir(caseTmp, { recursive: true });
      const t0 = performance.now();
      log(`${c.name}...`);
      try {
        results.rows.push(...(await c.run({ quick, scale, files, tmp: caseTmp, profileDir, log })));
        log(`${c.name}: ${((performance.now() - t0) / 1000).toFixed(0)} s`);
      } catch (e) {
        const error = e instanceof Error ? e.message : String(e);
        results.failures.push({ case: c.name, error });
        log(`${c.name} FAILED: ${error}`);
        await Promise.all([stopAllProcs(), closeAllBrowsers()]);
      } finally {
        await rm(caseTmp, { recursive: true, force: true });
      }
    }
  } finally {
    await Promise.all([stopAllProcs(), closeAllBrowsers()]);
    await rm(tmp, { recursive: true, force: true });
  }
  info.wallSeconds = (performance.now() - started) / 1000;
  info.machine.loadAtEnd = loadavg().map((l) => +l.toFixed(2));

  console.log(table(results.rows));
  for (const f of results.failures) console.log(`\n${f.case} FAILED: ${f.error}`);
  await mkdir(resultsDir, { recursive: true });
  const base = join(resultsDir, info.date.replace(/[:.]/g, '-'));
  await writeFile(`${base}.json`, `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(`${base}.md`, markdown(results));
  log(`wrote ${base}.json and .md (${Math.round(info.wallSeconds)} s)`);
  if (!quick && scale === 1 && only.length === 0 && !values['no-doc']) {
    // Formatted as the repository's prettier check wants it (tables aligned).
    const doc = join(root, 'docs', 'PERFORMANCE.md');
    const options = { ...(await resolveConfig(doc)), filepath: doc };
    const previous = await readFile(doc, 'utf8').catch(() => '');
    await writeFile(doc, await format(performanceDoc(results, previous), options));
    log('wrote docs/PERFORMANCE.md');
  }
  return results.failures.length ? 1 : 0;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(
    signal,
    () => void Promise.all([stopAllProcs(), closeAllBrowsers()]).finally(() => process.exit(130)),
  );
}
main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`bench: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(2);
  },
);
