import { describe, expect, it } from 'vitest';
import { type ColdTrace, coldStages, type TracedRequest } from '../../../bench/lib/cold-stages.ts';

const STS = '127.0.0.1:4100';
const isCredential = (r: TracedRequest) => r.host === STS;
const isToken = (r: TracedRequest) => r.path.endsWith('/oauth2/v2.0/token');
const revoke = (start: number, end: number): TracedRequest => ({
  host: 'graph',
  method: 'POST',
  path: '/v1.0/users/u1/revokeSignInSessions',
  start,
  end,
});

function trace(overrides: Partial<ColdTrace> = {}): ColdTrace {
  return {
    spawnedAt: 1000,
    started: 1040,
    configRead: 1160,
    imported: 1500,
    requests: [
      { host: STS, method: 'POST', path: '/', start: 1190, end: 1210 },
      { host: 'login', method: 'POST', path: '/t/oauth2/v2.0/token', start: 1212, end: 1420 },
      { host: 'secrets', method: 'POST', path: '/', start: 1425, end: 1440 },
      revoke(1530, 1735),
      revoke(1800, 2010),
      revoke(2100, 2290),
    ],
    invocations: [
      { invokedAt: 1501, doneAt: 1760, failures: 0 },
      { invokedAt: 1790, doneAt: 2030, failures: 0 },
      { invokedAt: 2080, doneAt: 2300, failures: 0 },
    ],
    ...overrides,
  };
}

describe('cold start stages', () => {
  it('cuts the trace at each mark so the stages add up to spawn -> first revoke acknowledged', () => {
    const run = coldStages(trace(), isCredential, isToken);
    expect(run.stages).toEqual({
      runtimeStart: 40,
      moduleLoad: 120,
      configuration: 30,
      credential: 20,
      token: 210,
      initAfterToken: 80,
      revoke: 235,
    });
    expect(run.totalMs).toBe(735);
    const sum = Object.values(run.stages).reduce((a, b) => a + b, 0);
    expect(sum).toBe(run.totalMs);
  });

  it('times each later invocation from the handler call to its own revoke acknowledged', () => {
    expect(coldStages(trace(), isCredential, isToken).warmMs).toEqual([220, 210]);
  });

  it.each([
    {
      case: 'no credential request',
      change: { requests: trace().requests.filter((r) => r.host !== STS) },
      error: /no credential request/,
    },
    {
      case: 'a token never answered',
      change: {
        requests: trace().requests.map((r) => (isToken(r) ? { ...r, end: undefined } : r)),
      },
      error: /the token request was never answered/,
    },
    {
      case: 'an invocation without a revoke',
      change: { requests: trace().requests.filter((r) => r.start !== 1800) },
      error: /a revoke during the invocation was never answered/,
    },
    {
      case: 'the credential asked before the configuration was read',
      change: { configRead: 1195 },
      error: /credential requested came before configuration read/,
    },
  ])('refuses a trace whose stages would not add up ($case)', ({ change, error }) => {
    expect(() => coldStages(trace(change), isCredential, isToken)).toThrow(error);
  });
});
