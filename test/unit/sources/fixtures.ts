import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Detection } from '../../../shared/domain/detection.ts';
import type { NormalizeResult } from '../../../shared/sources/result.ts';

const root = fileURLToPath(new URL('../../fixtures/', import.meta.url));

export type FixtureSource = 'native' | 'guardduty' | 'securityhub' | 'okta' | 'entra' | 'caep';

/** A fresh parse of `test/fixtures/<source>/<variant>.json` (callers may mutate it). */
export function fixture<T = Record<string, unknown>>(source: FixtureSource, variant: string): T {
  return JSON.parse(readFileSync(`${root}${source}/${variant}.json`, 'utf8')) as T;
}

export function fixturePath(source: FixtureSource, variant: string): string {
  return `${root}${source}/${variant}.json`;
}

/** The detection of a result that must be one, with a readable failure otherwise. */
export function detectionOf(result: NormalizeResult): Detection {
  if (result.kind !== 'detection') {
    throw new Error(
      `expected a detection, got ${result.kind}: ${result.kind === 'ignored' ? result.reason : result.error.message}`,
    );
  }
  return result.detection;
}

export function fieldPaths(result: NormalizeResult): string[] {
  if (result.kind !== 'invalid') {
    throw new Error(`expected invalid, got ${result.kind}`);
  }
  return result.error.issues.map((i) => i.path);
}

type Container = Record<string, unknown> | unknown[];

function walk(target: unknown, path: string): { parent: Container; key: string } {
  const keys = path.split('.');
  const last = keys.pop() as string;
  let node = target;
  for (const key of keys) node = (node as Record<string, unknown>)[key];
  if (node === null || typeof node !== 'object') throw new Error(`no object at ${path}`);
  return { parent: node as Container, key: last };
}

/** Sets a dotted path (array indexes as numbers: `detail.findings.0.Id`) in a fixture copy. */
export function patch<T>(target: T, path: string, value: unknown): T {
  const { parent, key } = walk(target, path);
  (parent as Record<string, unknown>)[key] = value;
  return target;
}

export function remove<T>(target: T, path: string): T {
  const { parent, key } = walk(target, path);
  delete (parent as Record<string, unknown>)[key];
  return target;
}
