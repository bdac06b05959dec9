import { Agent, request } from 'node:https';
import { rootCertificates } from 'node:tls';
import {
  createSimulatedOktaProvider,
  OKTA_DEMO_SEED_PATH,
  startSimulatedOkta,
} from '../shared/local/simulated-okta/okta.ts';
import { percentile, round } from './lib/stats.ts';

/**
 * Okta time to contain: from `contain` being called to Okta acknowledging the revoke
 * (DELETE /api/v1/users/{id}/sessions?oauthTokens=true, 204), through the real
 * OktaIdentityProvider (warm service-app token, keep-alive HTTPS) against the simulated org
 * answering after a fixed latency; against a bare HTTPS round trip to the same listener on a
 * warm connection, interleaved. The org runs in this process (a small script, not the full
 * bench). `node bench/okta-time-to-contain.ts [--reps 60] [--latency 50]`.
 */

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};

function bareRoundTrip(agent: Agent, url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(url, { method: 'GET', agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(performance.now() - started));
    });
    req.on('error', reject);
    req.end();
  });
}

async function main(): Promise<void> {
  const reps = arg('reps', 60);
  const latencyMs = arg('latency', 50);
  const okta = await startSimulatedOkta({ seed: OKTA_DEMO_SEED_PATH, latencyMs });
  const provider = createSimulatedOktaProvider(okta);
  const agent = new Agent({ keepAlive: true, ca: [...rootCertificates, okta.ca] });
  const containRequest = {
    incidentId: 'bench',
    tenantId: okta.tenantId,
    subject: { type: 'user' as const, id: '00unncgl0k9KaBdRpL3L' },
    detectedAt: new Date().toISOString(),
    actions: ['revokeSessions' as const],
  };
  const contain: number[] = [];
  const bare: number[] = [];
  try {
    for (let i = 0; i < 5 + reps; i++) {
      const result = await provider.contain(containRequest);
      const rtt = await bareRoundTrip(agent, `${okta.orgUrl}/api/v1/users/bench`);
      if (result.timeToContainMs === undefined) throw new Error(JSON.stringify(result.outcomes));
      if (i >= 5) {
        contain.push(result.timeToContainMs);
        bare.push(rtt);
      }
    }
  } finally {
    agent.destroy();
    provider.close();
    await okta.close();
  }
  const p = (values: number[], q: number) => round(percentile(values, q), 1);
  const report = {
    oktaLatencyMs: latencyMs,
    reps,
    timeToContainMs: { p50: p(contain, 50), p99: p(contain, 99) },
    bareRoundTripMs: { p50: p(bare, 50), p99: p(bare, 99) },
    ratio: {
      p50: round(percentile(contain, 50) / percentile(bare, 50), 2),
      p99: round(percentile(contain, 99) / percentile(bare, 99), 2),
    },
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

await main();
