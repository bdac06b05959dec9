import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../../infra/config.ts';

/** README.md and docs/: tables render as tables, and every file they name exists. */

const FILES = [
  'README.md',
  ...readdirSync(join(PROJECT_ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];
const text = (file: string) => readFileSync(join(PROJECT_ROOT, file), 'utf8');

/** Lines outside fenced code blocks, with their 1-based numbers. */
function prose(file: string): [number, string][] {
  let fenced = false;
  const out: [number, string][] = [];
  text(file)
    .split('\n')
    .forEach((line, i) => {
      if (line.startsWith('```')) fenced = !fenced;
      else if (!fenced) out.push([i + 1, line]);
    });
  return out;
}

const cells = (row: string) =>
  row
    .replace(/\\\|/g, '')
    .replace(/`[^`]*`/g, '``')
    .split('|').length;

describe.each(FILES)('%s', (file) => {
  it('has tables with a header, a separator row of the same width, and no stray rows', () => {
    const lines = prose(file);
    lines.forEach(([n, line], i) => {
      const previous = lines[i - 1]?.[1] ?? '';
      if (!line.startsWith('|')) {
        // A heading may show a union such as `a` | `b`; it is no table row.
        if (/^#{1,6}\s/.test(line)) return;
        // A table row that does not start the line renders as raw pipes.
        expect(
          line
            .replace(/`[^`]*`/g, '')
            .trimEnd()
            .endsWith('|'),
          `${file}:${n}`,
        ).toBe(false);
        return;
      }
      if (previous.startsWith('|')) return;
      const separator = lines[i + 1]?.[1] ?? '';
      expect(separator, `${file}:${n} needs a separator row`).toMatch(/^\|(\s*:?-{3,}:?\s*\|)+$/);
      // A blank line inside a table starts a new one without a header: it renders as text.
      expect(previous.trim() === '' || !/^\|/.test(previous), `${file}:${n}`).toBe(true);
      expect(cells(separator), `${file}:${n}`).toBe(cells(line));
      for (let j = i + 2; lines[j]?.[1].startsWith('|'); j++) {
        expect(cells(lines[j]?.[1] ?? ''), `${file}:${lines[j]?.[0]}`).toBe(cells(line));
      }
    });
  });

  it('links only to files the repository has', () => {
    const links = [...text(file).matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)]
      .map((m) => m[1] as string)
      .filter((target) => !/^[a-z]+:/.test(target));
    for (const target of links) {
      expect(existsSync(join(PROJECT_ROOT, dirname(file), target)), `${file} → ${target}`).toBe(
        true,
      );
    }
  });

  it('names only repository paths that exist', () => {
    const paths = [
      ...text(file).matchAll(
        /`((?:shared|functions|infra|bin|bench|test|docs|examples)\/[^`\s]*)`/g,
      ),
    ]
      .map((m) => m[1] as string)
      .filter((path) => !/[<{*]/.test(path));
    for (const path of paths) {
      expect(existsSync(join(PROJECT_ROOT, path)), `${file} names ${path}`).toBe(true);
    }
  });
});
