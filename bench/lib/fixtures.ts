import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultContainmentPolicy } from '../../shared/config/load-policy.ts';
import type { ContainmentPolicy } from '../../shared/domain/guardrails.ts';
import type { SeedInput } from '../../shared/local/simulated-tenant/seed.ts';

/** Inputs shared by the benchmark groups: the simulated tenant's seed, detections, the policy. */

export const ROOT = join(import.meta.dirname, '../..');
/** The demo tenant of examples/ and test/fixtures/: Halvorsen Freight. */
export const TENANT_ID = '395979b2-3921-4e47-adf8-f76fc76c27fc';
/** The source the deployed rules trust by default (cdk.json `trustedSources`). */
export const TRUSTED_SOURCE = 'soar.playbook';

const GLOBAL_ADMIN = '62e90394-69f5-4237-9190-012177145e10';
const EXCHANGE_ADMIN = '29232cdf-9323-42fd-ade2-1d097af3e4de';

/**
 * The demo seed plus `userCount` fresh users. With `privileged`, each holds a permanent Global
 * Administrator assignment and an activated PIM Exchange Administrator one, so isolation has
 * something to remove.
 */
export function seedWithUsers(
  userCount: number,
  options: { privileged: boolean },
): { seed: SeedInput; userIds: string[] } {
  const demo = JSON.parse(
    readFileSync(join(ROOT, 'shared/local/simulated-tenant/demo-seed.json'), 'utf8'),
  ) as SeedInput;
  const users = Array.from({ length: userCount }, (_, i) => ({
    id: randomUUID(),
    userPrincipalName: `bench.user${i}@halvorsenfreight.example`,
    displayName: `Bench User ${i}`,
    signInSessionsValidFromDateTime: '2025-01-06T08:00:00Z',
  }));
  const roleAssignments = options.privileged
    ? users.flatMap((u, i) => [
        {
          id: `bench-perm-${i}`,
          principalId: u.id,
          roleDefinitionId: GLOBAL_ADMIN,
          type: 'permanent' as const,
        },
        {
          id: `bench-pim-${i}`,
          principalId: u.id,
          roleDefinitionId: EXCHANGE_ADMIN,
          type: 'pimActive' as const,
          activated: true,
          endDateTime: '2035-01-01T00:00:00Z',
        },
      ])
    : [];
  return {
    seed: {
      ...demo,
      users: [...(demo.users ?? []), ...users],
      roleAssignments: [...(demo.roleAssignments ?? []), ...roleAssignments],
    },
    userIds: users.map((u) => u.id),
  };
}

type Json = Record<string, unknown>;

/** The sample native detections in examples/, parsed once (they carry full signal sets). */
export function exampleDetections(): Json[] {
  const dir = join(ROOT, 'examples');
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as Json);
}

/** One sample detection from examples/, by file name without `.json`. */
export function exampleDetection(name: string): Json {
  return JSON.parse(readFileSync(join(ROOT, 'examples', `${name}.json`), 'utf8')) as Json;
}

/**
 * One detection as the respond queue receives it: an EventBridge `Session Compromise Detected`
 * event from a trusted source, as JSON text, with a fresh detection id, the given subject and
 * severity, and the rest (signals, session, evidence) from `template`.
 */
export function detectionEventText(
  template: Json,
  overrides: { userId?: string; severity?: string; n: number },
): string {
  const subject = template.subject as Json;
  const detail = {
    ...template,
    detectionId: `bench-${overrides.n}-${randomUUID()}`,
    detectedAt: new Date().toISOString(),
    ...(overrides.severity ? { severity: overrides.severity } : {}),
    subject: overrides.userId
      ? { type: 'user', id: overrides.userId, displayName: `Bench User ${overrides.n}` }
      : subject,
  };
  return JSON.stringify({
    version: '0',
    id: randomUUID(),
    'detail-type': 'Session Compromise Detected',
    source: TRUSTED_SOURCE,
    account: '418295730164',
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: [],
    detail,
  });
}

/**
 * The shipped default policy with a blast radius no benchmark reaches: a benchmark contains
 * hundreds of distinct users on purpose, which the default (10 per 15 minutes) would turn into
 * one approval request. Every output that uses it says so.
 */
export function benchPolicy(
  severities?: Partial<ContainmentPolicy['severities']>,
): ContainmentPolicy {
  return {
    ...defaultContainmentPolicy,
    blastRadius: { maxContainments: 1_000_000, windowSeconds: 900 },
    severities: { ...defaultContainmentPolicy.severities, ...severities },
  };
}

export const BLAST_RADIUS_NOTE =
  'blast radius raised to 1,000,000 containments per 15 min so the guardrail does not stop the run (the shipped default, 10, would turn it into one approval request)';
