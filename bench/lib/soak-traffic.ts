import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type CryptoKey, type JWTPayload, SignJWT } from 'jose';
import type { Detection } from '../../shared/domain/detection.ts';
import { incidentIdFor } from '../../shared/domain/incident.ts';
import type { LocalRuntime } from '../../shared/local/runtime.ts';
import { normalizeEvent } from '../../shared/sources/normalize.ts';
import { rawSha256, sha256Hex } from '../../shared/sources/raw.ts';

/**
 * The soak's traffic: a seeded mix of new, duplicate, malformed, oversized, ignored, protected,
 * signed and forged, and faulty requests (faults injected in the simulated tenant), and the
 * bursts past the blast radius; each request says what the ledger must show for it.
 */

const ROOT = resolve(import.meta.dirname, '../..');
export const TENANT = '395979b2-3921-4e47-adf8-f76fc76c27fc';
export const BREAK_GLASS = '0b7a9c2e-5d1f-4e3a-9c6b-8f2d1e0a7b51';
export const ISSUER = 'https://idp.halvorsenfreight.example/';
export const AUDIENCE = 'https://ir-responder.halvorsenfreight.example/ssf/receiver';
export const BURST_SIZE = 80;

/** Mulberry32: the same seed gives the same traffic. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const readJson = (path: string): unknown =>
  JSON.parse(readFileSync(join(ROOT, path), 'utf8'));

type Expectation =
  | { kind: 'detection'; incidentId: string }
  | { kind: 'rejection'; incidentId?: string }
  | { kind: 'ignored' };

export interface SoakRequest {
  label: string;
  path: '/v1/detections' | '/v1/ssf/events';
  body: string;
  contentType: string;
  /** What the ledger must show for it at the end. */
  expect: Expectation;
  duplicate: boolean;
  deliveries: number;
}

export interface Traffic {
  next(): Promise<SoakRequest[]>;
}

export async function trafficGenerator(
  random: () => number,
  tenant: NonNullable<LocalRuntime['simulatedTenant']>,
  users: readonly string[],
  signingKey: CryptoKey,
  strangerKey: CryptoKey,
): Promise<Traffic> {
  const examples = readdirSync(join(ROOT, 'examples'))
    .filter((file) => file.endsWith('.json'))
    .map((file) => readJson(`examples/${file}`) as Detection)
    .filter((d) => d.tenant.provider === 'entra');
  const fixtures = ['native', 'entra', 'guardduty', 'securityhub', 'okta'].flatMap((folder) =>
    readdirSync(join(ROOT, 'test/fixtures', folder))
      .filter((file) => file.endsWith('.json'))
      .map((file) => readJson(`test/fixtures/${folder}/${file}`)),
  );
  const sent: SoakRequest[] = [];
  const sentSets: string[] = [];
  let serial = 0;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

  const detection = (subjectId: string, severity: Detection['severity']): Detection => {
    const example = pick(examples);
    serial += 1;
    return {
      ...example,
      detectionId: `soak-${serial}-${Math.floor(random() * 1e9)}`,
      detectedAt: new Date().toISOString(),
      severity,
      subject: { type: 'user', id: subjectId },
      tenant: { provider: 'entra', tenantId: TENANT },
    };
  };
  const post = (label: string, body: unknown): SoakRequest => {
    const text = JSON.stringify(body);
    const normalized = normalizeEvent(JSON.parse(text));
    const expect: Expectation =
      normalized.kind === 'detection'
        ? { kind: 'detection', incidentId: incidentIdFor(normalized.detection) }
        : normalized.kind === 'ignored'
          ? { kind: 'ignored' }
          : { kind: 'rejection' };
    return {
      label,
      path: '/v1/detections',
      body: text,
      contentType: 'application/json',
      expect,
      duplicate: false,
      deliveries: 0,
    };
  };
  const raw = (label: string, body: string): SoakRequest => ({
    label,
    path: '/v1/detections',
    body,
    contentType: 'application/json',
    expect: { kind: 'rejection' },
    duplicate: false,
    deliveries: 0,
  });
  const set = async (label: string, claims: JWTPayload, key: CryptoKey, valid: boolean) => {
    const token =
      label === 'set-unsigned'
        ? `${b64({ alg: 'none', typ: 'secevent+jwt' })}.${b64(claims)}.`
        : await new SignJWT(claims)
            .setProtectedHeader({ alg: 'ES256', typ: 'secevent+jwt', kid: 'k1' })
            .sign(key);
    const detectionId = `ssf:${sha256Hex(ISSUER).slice(0, 16)}:${String(claims.jti)}`;
    const request: SoakRequest = {
      label,
      path: '/v1/ssf/events',
      body: token,
      contentType: 'application/secevent+jwt',
      expect: valid
        ? {
            kind: 'detection',
            incidentId: incidentIdFor({
              detectionId,
              tenant: { provider: 'entra', tenantId: TENANT },
            }),
          }
        : { kind: 'rejection', incidentId: `rejected-${rawSha256(token).slice(0, 32)}` },
      duplicate: false,
      deliveries: 0,
    };
    if (valid) sentSets.push(token);
    return request;
  };
  const claims = (overrides: JWTPayload = {}): JWTPayload => {
    const now = Math.floor(Date.now() / 1000);
    serial += 1;
    return {
      iss: ISSUER,
      aud: AUDIENCE,
      iat: now,
      jti: `soak-set-${serial}`,
      sub_id: { format: 'opaque', id: pick(users) },
      events: {
        'https://schemas.openid.net/secevent/caep/event-type/session-revoked': {
          event_timestamp: now,
          initiating_entity: 'policy',
        },
      },
      ...overrides,
    };
  };

  const kinds: Array<[number, () => Promise<SoakRequest[]> | SoakRequest[]]> = [
    [22, () => [post('valid', detection(pick(users), pick(['high', 'critical'] as const)))]],
    [
      12,
      () => {
        const previous = sent.filter((r) => !r.duplicate && r.expect.kind === 'detection');
        if (previous.length === 0) return [];
        return [{ ...pick(previous), duplicate: true, deliveries: 0 }];
      },
    ],
    [
      8,
      () => {
        // Three copies at once: the at-least-once delivery every source has.
        const request = post('valid', detection(pick(users), 'high'));
        return [request, { ...request, duplicate: true }, { ...request, duplicate: true }];
      },
    ],
    [
      10,
      () => {
        const subject = pick(users);
        const fault = pick([
          { path: `/users/${subject}/revokeSignInSessions`, status: 503 },
          { path: `/users/${subject}/revokeSignInSessions`, status: 429, retryAfter: 1 },
          // Longer than the adapter's attempts: the first delivery fails retryably.
          { path: `/users/${subject}/revokeSignInSessions`, status: 503, times: 5 },
          { method: 'GET', path: /roleAssignments$/, status: 403 },
        ]);
        tenant.faults.inject(fault);
        return [post('faulty', detection(subject, 'high'))];
      },
    ],
    [4, () => [post('protected', detection(BREAK_GLASS, 'critical'))]],
    [5, () => [post('source-fixture', pick(fixtures))]],
    [
      14,
      () => {
        const base = detection(pick(users), 'high') as unknown as Record<string, unknown>;
        return [
          pick([
            () => post('invalid', { ...base, severity: 'urgent' }),
            () => post('invalid', { ...base, subject: { type: 'robot', id: '' } }),
            () => post('invalid', { ...base, detectedAt: 'yesterday' }),
            () => post('invalid', { ...base, detectionId: 'x'.repeat(600) }),
            () => {
              const { tenant: _, ...rest } = base;
              return post('invalid', rest);
            },
            () => post('invalid', { hello: 'world' }),
            () => raw('invalid-json', '{"schemaVersion": "1", '),
          ])(),
        ];
      },
    ],
    [
      4,
      () => [
        pick([
          () => raw('oversized', JSON.stringify({ pad: 'x'.repeat(70_000) })),
          () => raw('deep', `${'['.repeat(5_000)}${']'.repeat(5_000)}`),
        ])(),
      ],
    ],
    [4, async () => [await set('set', claims(), signingKey, true)]],
    [
      5,
      async () => [
        await pick([
          () => set('set-forged-key', claims(), strangerKey, false),
          () =>
            set('set-wrong-issuer', claims({ iss: 'https://evil.example/' }), signingKey, false),
          () =>
            set('set-wrong-audience', claims({ aud: 'https://other.example/' }), signingKey, false),
          () => set('set-unsigned', claims(), signingKey, false),
        ])(),
      ],
    ],
    [
      2,
      () => {
        if (sentSets.length === 0) return [];
        const token = pick(sentSets);
        return [
          {
            label: 'set-replayed',
            path: '/v1/ssf/events',
            body: token,
            contentType: 'application/secevent+jwt',
            expect: { kind: 'rejection', incidentId: `rejected-${rawSha256(token).slice(0, 32)}` },
            duplicate: true,
            deliveries: 0,
          },
        ];
      },
    ],
  ];
  const total = kinds.reduce((sum, [weight]) => sum + weight, 0);
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

  return {
    async next() {
      let roll = random() * total;
      for (const [weight, make] of kinds) {
        roll -= weight;
        if (roll < 0) {
          const requests = await make();
          sent.push(...requests);
          return requests;
        }
      }
      return [];
    },
  };
}

export function burst(users: readonly string[], round: number): SoakRequest[] {
  return users.slice(0, BURST_SIZE).map((id, n) => {
    const detection = {
      ...(readJson('examples/aitm-phished-admin.json') as Detection),
      detectionId: `soak-burst-${round}-${n}`,
      detectedAt: new Date().toISOString(),
      severity: 'critical' as const,
      subject: { type: 'user' as const, id },
    };
    return {
      label: 'burst',
      path: '/v1/detections' as const,
      body: JSON.stringify(detection),
      contentType: 'application/json',
      expect: { kind: 'detection' as const, incidentId: incidentIdFor(detection) },
      duplicate: false,
      deliveries: 0,
    };
  });
}
