import { describe, expect, it } from 'vitest';
import { performanceDoc } from '../../bench/lib/doc';
import type { Results } from '../../bench/lib/report';

const results = (commit: string): Results => ({
  info: {
    date: '2026-12-03T00:00:00.000Z',
    mode: 'full',
    scale: 1,
    only: [],
    files: undefined,
    machine: { cpu: 'CPU', cores: 2, memoryGiB: 24, os: 'Linux', loadAtStart: [1, 1, 1] },
    node: 'v20.0.0',
    commit,
  },
  rows: [],
  failures: [],
});

describe('performanceDoc', () => {
  it('starts with the method and the latest run', () => {
    const doc = performanceDoc(results('aaaaaaa'));
    expect(doc.startsWith('# Performance\n')).toBe(true);
    expect(doc).toContain('## Latest full run\n\n- date: 2026-12-03T00:00:00.000Z');
    expect(doc).toContain('- Node v20.0.0, commit aaaaaaa');
    expect(doc).not.toContain('## The full run at');
  });

  it('keeps the previous run, retitled with its commit, and the notes after it', () => {
    const first = performanceDoc(results('aaaaaaa'));
    const previous = `${first}\nNotes on that run.\n\n## Session 1: what was tried\n\nText.\n`;
    const doc = performanceDoc(results('bbbbbbb'), previous);
    const latest = doc.indexOf('## Latest full run');
    const kept = doc.indexOf('## The full run at aaaaaaa\n');
    expect(latest).toBeGreaterThan(0);
    expect(kept).toBeGreaterThan(latest);
    expect(doc.indexOf('commit bbbbbbb')).toBeLessThan(kept);
    expect(doc.indexOf('commit aaaaaaa')).toBeGreaterThan(kept);
    expect(doc.endsWith('Notes on that run.\n\n## Session 1: what was tried\n\nText.\n')).toBe(
      true,
    );
    expect(doc.match(/## Latest full run/g)).toHaveLength(1);
    expect(doc.match(/^# Performance$/gm)).toHaveLength(1);
  });

  it('keeps nothing of a file that has no latest run', () => {
    const doc = performanceDoc(results('bbbbbbb'), '# Something else\n\nOld text.\n');
    expect(doc).not.toContain('Old text');
  });
});
