import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  BENCHMARKS_DOC_PATH,
  benchmarksDoc,
  readResults,
} from '../../../bench/write-benchmarks-doc.ts';

describe('docs/benchmarks.md', () => {
  const results = readResults();

  it('is in sync with bench/results/latest.json (regenerate: npm run docs:bench)', () => {
    expect(readFileSync(BENCHMARKS_DOC_PATH, 'utf8')).toBe(benchmarksDoc(results));
  });

  it('shows a changed figure: the page follows the results, not a copy of them', () => {
    const changed = { ...results, cpuPerDetectionMs: 4.321 };
    expect(benchmarksDoc(changed)).toContain(
      '| responder CPU per detection | 4.3 ms | < 5 ms | yes |',
    );
    expect(benchmarksDoc(results)).not.toContain('4.321 ms');
  });

  it('leaves out a group the results do not hold instead of printing empty figures', () => {
    const { memory: _memory, ...withoutMemory } = results;
    const doc = benchmarksDoc({ ...withoutMemory, groups: results.groups });
    expect(doc).not.toContain('## Memory');
    expect(doc).not.toContain('peak RSS');
    expect(doc).toContain('## Ledger');
  });

  it('renders every table with a header, a separator row of the same width, and nothing before the first pipe', () => {
    const lines = benchmarksDoc(results).split('\n');
    lines.forEach((line, i) => {
      if (!line.includes('|') || line.startsWith('|')) return;
      // Outside tables a pipe may only appear inside inline code.
      expect(line.replace(/`[^`]*`/g, ''), `line ${i + 1}`).not.toContain('|');
    });
    const cells = (line: string) => line.split('|').length;
    lines.forEach((line, i) => {
      if (!line.startsWith('|') || lines[i - 1]?.startsWith('|')) return;
      const separator = lines[i + 1] ?? '';
      expect(separator, `table at line ${i + 1}`).toMatch(/^\|(---\|)+$/);
      expect(cells(separator), `table at line ${i + 1}`).toBe(cells(line));
    });
  });
});
