import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { serveCommand } from '../../../bin/commands/serve.ts';
import { captureIo } from '../../support/cli-io.ts';

/**
 * `responder serve`'s banner names what is served, with real URLs, and only what answers: every
 * printed route is requested against the running server (`{incidentId}` filled with an incident
 * the test creates) and none is a 404.
 */

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Status of one request; the simulated Okta org's certificate is made at start, so not checked. */
function statusOf(method: string, url: string): Promise<number> {
  if (url.startsWith('http:')) {
    return fetch(url, {
      method,
      ...(method === 'POST' ? { body: '{}', headers: { 'content-type': 'application/json' } } : {}),
    }).then(async (response) => {
      await response.arrayBuffer();
      return response.status;
    });
  }
  return new Promise((resolve, reject) => {
    const req = request(url, { method, rejectUnauthorized: false }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

const ROUTE_LINE = /^\s+(GET|POST)\s+(https?:\/\/\S+)/;

async function serveAndProbe(env: NodeJS.ProcessEnv) {
  const stateDir = mkdtempSync(join(tmpdir(), 'responder-serve-'));
  dirs.push(stateDir);
  const io = captureIo({ cwd: stateDir, env });
  const answers: [string, number][] = [];
  const code = await serveCommand(['--port', '0', '--state-dir', stateDir], io, async () => {
    const base = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(io.stdout)?.[1];
    const created = await fetch(`${base}/v1/detections`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: readFileSync('examples/aitm-phished-admin.json', 'utf8'),
    });
    const { incidentId } = (await created.json()) as { incidentId: string };
    for (const line of io.stdout.split('\n')) {
      const match = ROUTE_LINE.exec(line);
      if (!match) continue;
      const [, method = '', printed = ''] = match;
      const url = printed.replace('{incidentId}', encodeURIComponent(incidentId));
      answers.push([`${method} ${printed}`, await statusOf(method, url)]);
    }
  });
  expect(code).toBe(0);
  return { banner: io.stdout, answers };
}

describe('responder serve: the banner', () => {
  it('names the simulated Okta org, the auditor evidence and the SSF routes, each one answering', async () => {
    const { banner, answers } = await serveAndProbe({});
    expect(banner).toMatch(/Okta: +simulated org halvorsen-freight at https:\/\/127\.0\.0\.1:\d+/);
    expect(banner).toMatch(
      /GET +http:\/\/127\.0\.0\.1:\d+\/v1\/incidents\/\{incidentId\}\/evidence/,
    );
    expect(banner).toMatch(/GET +http:\/\/127\.0\.0\.1:\d+\/\.well-known\/ssf-configuration/);
    expect(banner).toMatch(/GET +http:\/\/127\.0\.0\.1:\d+\/ssf\/streams/);
    // Without RESPONDER_SSF_TRANSMITTERS there is no SET receiver, and the banner does not offer one.
    expect(banner).not.toContain('/v1/ssf/events');
    expect(answers.length).toBeGreaterThanOrEqual(18);
    expect(answers.filter(([, status]) => status === 404)).toEqual([]);
  });

  it('offers the SET receiver when transmitters are configured, and it answers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'responder-transmitters-'));
    dirs.push(dir);
    const { publicKey } = await generateKeyPair('ES256', { extractable: true });
    const transmitters = join(dir, 'transmitters.json');
    writeFileSync(
      transmitters,
      JSON.stringify([
        {
          issuer: 'https://idp.halvorsenfreight.example/',
          audience: 'https://ir-responder.halvorsenfreight.example/ssf/receiver',
          jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] },
          provider: 'entra',
          tenantId: '395979b2-3921-4e47-adf8-f76fc76c27fc',
        },
      ]),
    );
    const { answers } = await serveAndProbe({ RESPONDER_SSF_TRANSMITTERS: transmitters });
    const receiver = answers.find(([route]) => route.endsWith('/v1/ssf/events'));
    expect(receiver?.[1]).toBeDefined();
    expect(receiver?.[1]).not.toBe(404);
    expect(answers.filter(([, status]) => status === 404)).toEqual([]);
  });
});
