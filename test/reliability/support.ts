import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect } from 'vitest';
import type { LedgerRecord } from '../../shared/domain/ledger/record.ts';
import type { LedgerReader } from '../../shared/ports/ledger.ts';
import type { Log } from '../../shared/ports/log.ts';
import { type NormalizeResult, normalizeEvent } from '../../shared/sources/normalize.ts';
import type { DetectionResult } from '../../shared/sources/result.ts';

/** Helpers shared by the reliability suite: fixtures, the state folder, the ledger, logs. */

export const ROOT = join(import.meta.dirname, '../..');
export const DEMO_TENANT = '395979b2-3921-4e47-adf8-f76fc76c27fc';
export const BREAK_GLASS = '0b7a9c2e-5d1f-4e3a-9c6b-8f2d1e0a7b51';
export const BREAK_GLASS_UPN = 'breakglass-01@halvorsenfreight.example';

/** The fixture folders whose events a detector sends (the CAEP ones arrive signed, elsewhere). */
export const SOURCE_FOLDERS = ['native', 'entra', 'guardduty', 'securityhub', 'okta'] as const;

export interface Sample {
  /** `test/fixtures/okta/user-risk-detect.json`, `examples/aitm-phished-admin.json`. */
  name: string;
  raw: unknown;
  result: NormalizeResult;
}

export function readJson(path: string): unknown {
  return JSON.parse(readFileSync(join(ROOT, path), 'utf8'));
}

/** Every fixture of the source folders and every example, normalized without context. */
export function allSamples(): Sample[] {
  const paths = [
    ...SOURCE_FOLDERS.flatMap((folder) =>
      readdirSync(join(ROOT, 'test/fixtures', folder))
        .filter((file) => file.endsWith('.json'))
        .map((file) => `test/fixtures/${folder}/${file}`),
    ),
    ...readdirSync(join(ROOT, 'examples'))
      .filter((file) => file.endsWith('.json'))
      .map((file) => `examples/${file}`),
  ];
  return paths.sort().map((name) => {
    const raw = readJson(name);
    return { name, raw, result: normalizeEvent(raw) };
  });
}

/** The samples that yield a detection (malformed and ignored ones are left out). */
export function detectionSamples(): Array<Sample & { result: DetectionResult }> {
  return allSamples().filter(
    (sample): sample is Sample & { result: DetectionResult } => sample.result.kind === 'detection',
  );
}

/** The demo policy with some members replaced, written where `RESPONDER_POLICY` can name it. */
export function writeDemoPolicy(dir: string, overrides: Record<string, unknown>): string {
  const policy = {
    ...(readJson('shared/local/simulated-tenant/demo-policy.json') as object),
    ...overrides,
  };
  const path = join(dir, 'policy.json');
  writeFileSync(path, JSON.stringify(policy));
  return path;
}

/** The demo seed plus `count` ordinary users (`burst-user-<n>`), for burst tests. */
export function writeSeedWithExtraUsers(
  dir: string,
  count: number,
): { path: string; ids: string[] } {
  const seed = readJson('shared/local/simulated-tenant/demo-seed.json') as {
    users: Array<Record<string, unknown>>;
  };
  const ids = Array.from(
    { length: count },
    (_, n) => `9a0b1c2d-0000-4000-8000-${String(n).padStart(12, '0')}`,
  );
  seed.users.push(
    ...ids.map((id, n) => ({
      id,
      userPrincipalName: `burst-user-${n}@halvorsenfreight.example`,
      displayName: `Burst User ${n}`,
      signInSessionsValidFromDateTime: '2025-01-06T08:00:00Z',
    })),
  );
  const path = join(dir, 'seed.json');
  writeFileSync(path, JSON.stringify(seed));
  return { path, ids };
}

/** The events local mode published, from `<stateDir>/events.ndjson`. */
export function publishedEvents(
  stateDir: string,
): Array<{ 'detail-type': string; detail: Record<string, unknown> }> {
  const path = join(stateDir, 'events.ndjson');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { 'detail-type': string; detail: Record<string, unknown> });
}

/** The file tickets of one incident (`<stateDir>/tickets/<incidentId>/*.md`). */
export function ticketFiles(stateDir: string, incidentId: string): string[] {
  const folder = join(stateDir, 'tickets', incidentId);
  return existsSync(folder) ? readdirSync(folder).filter((file) => file.endsWith('.md')) : [];
}

/** Every file under a folder, recursively, as paths relative to it. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (current: string) => {
    for (const entry of readdirSync(current)) {
      const path = join(current, entry);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(relative(dir, path));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

/** Every record of one incident, all pages. */
export async function incidentRecords(
  ledger: LedgerReader,
  incidentId: string,
): Promise<LedgerRecord[]> {
  const records: LedgerRecord[] = [];
  let token: string | undefined;
  do {
    const page = await ledger.query({ incidentId, limit: 1000 }, token);
    records.push(...page.records);
    token = page.nextPageToken;
  } while (token);
  return records;
}

/** One ledger record per step: no step key twice in one incident's chain, seqs 1..n. */
export function expectOneRecordPerStep(records: readonly LedgerRecord[]): void {
  const keys = records.map((record) => record.stepKey);
  const repeated = keys.filter((key, index) => keys.indexOf(key) !== index);
  expect(repeated, `step keys recorded twice in ${records[0]?.incidentId}`).toEqual([]);
  expect(records.map((record) => record.seq)).toEqual(records.map((_, index) => index + 1));
}

/** A Log that keeps every line, for tests that read what was logged. */
export function recordingLog(): Log & { lines: string[] } {
  const lines: string[] = [];
  const record =
    (level: string) =>
    (message: string, attributes?: Record<string, unknown>): void => {
      lines.push(JSON.stringify({ level, message, ...attributes }));
    };
  return {
    lines,
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
  };
}

/** Writes to a Graph path that concern one subject (by id or user principal name). */
export function concerns(path: string, subject: { id: string; upn?: string }): boolean {
  const decoded = decodeURIComponent(path).toLowerCase();
  return (
    decoded.includes(subject.id.toLowerCase()) ||
    (subject.upn !== undefined && decoded.includes(subject.upn.toLowerCase()))
  );
}

/** Redelivers like SQS: a delivery that throws is tried again, a bounded number of times. */
export async function untilDelivered<T>(
  deliver: () => Promise<T>,
  options: { attempts?: number; retryIf?: (error: unknown) => boolean; pauseMs?: number } = {},
): Promise<{ value: T; failures: unknown[] }> {
  const failures: unknown[] = [];
  const attempts = options.attempts ?? 50;
  for (let attempt = 1; ; attempt++) {
    try {
      return { value: await deliver(), failures };
    } catch (error) {
      failures.push(error);
      if (attempt >= attempts || (options.retryIf && !options.retryIf(error))) throw error;
      await new Promise((resolve) => setTimeout(resolve, options.pauseMs ?? 20));
    }
  }
}
