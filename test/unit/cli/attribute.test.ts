import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../../bin/cli.ts';
import { CONTROL_CATALOG } from '../../../shared/domain/controls/catalog.ts';
import { captureIo } from '../../support/cli-io.ts';

const EXAMPLES = join(import.meta.dirname, '../../../examples');
const dir = mkdtempSync(join(tmpdir(), 'cli-attribute-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[], stdin?: string) {
  const io = captureIo({ cwd: dir, ...(stdin !== undefined ? { stdin } : {}) });
  const code = await main(['attribute', ...args], io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

function write(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe('responder attribute --json', () => {
  it('prints exactly one JSON object with detectionId and findings, exit 0', async () => {
    const { code, stdout, stderr } = await run([
      join(EXAMPLES, 'aitm-phished-admin.json'),
      '--json',
    ]);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const report = JSON.parse(stdout);
    expect(Object.keys(report)).toEqual(['detectionId', 'findings']);
    expect(report.detectionId).toBe('halvorsen-soc-2026-03-17-0001');
    // a person without a partner: neither partner nor workload controls
    expect(report.findings).toHaveLength(
      CONTROL_CATALOG.filter((c) => c.ownerRole !== 'partner' && c.appliesTo !== 'workloads')
        .length,
    );
    expect(report.findings[0]).toEqual({
      controlId: 'iam.session-lifetime',
      ownerRole: 'iam',
      ownerTeam: 'Identity Platform',
      status: 'failed',
      question: 'session-validity',
      reason:
        'The session lifetime in force exceeded the organisation limit (sessionLifetimeHours=2160, maxSessionLifetimeHours=12).',
      evidence: [
        'sessionLifetimeHours=2160',
        'maxSessionLifetimeHours=12',
        'signIn:e798bb3e-a470-462a-a5fa-a2cc6f4bf850',
        'riskDetection:81c2055e61b784388a66d3768f1aaed8d9302b3d3080a34ed5f9bf96b7fee80f',
      ],
      frameworks: ['NIST CSF 2.0 PR.AA-03', 'NIST SP 800-53 AC-12', 'NIST SP 800-207 tenet 3'],
    });
  });

  it('reads the detection from stdin with -', async () => {
    const detection = JSON.stringify({
      schemaVersion: '1',
      detectionId: 'from-stdin',
      detectedAt: '2026-03-17T14:12:05Z',
      severity: 'low',
      source: { vendor: 'v', product: 'p' },
      tenant: { provider: 'okta', tenantId: 't' },
      subject: { type: 'user', id: '00u1' },
      signals: { legacySso: true },
    });
    const { code, stdout } = await run(['-', '--json'], detection);
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.detectionId).toBe('from-stdin');
    const legacy = report.findings.find(
      (f: { controlId: string }) => f.controlId === 'application.legacy-sso',
    );
    expect(legacy.status).toBe('failed');
  });

  it('uses an ownership map given with --ownership', async () => {
    const map = {
      version: 1,
      defaults: {
        iam: { team: 'IdP Crew', ticket: { system: 'file' }, escalation: 'a' },
        endpoint: { team: 'EP Crew', ticket: { system: 'file' }, escalation: 'b' },
        application: { team: 'App Crew', ticket: { system: 'file' }, escalation: 'c' },
      },
      unknownPartner: { team: 'Vendors', ticket: { system: 'file' }, escalation: 'd' },
    };
    const path = write('map.json', JSON.stringify(map));
    const { code, stdout } = await run([
      join(EXAMPLES, 'partner-session.json'),
      '--json',
      '--ownership',
      path,
    ]);
    expect(code).toBe(0);
    const teams = new Set(
      JSON.parse(stdout).findings.map((f: { ownerTeam: string }) => f.ownerTeam),
    );
    expect(teams).toEqual(new Set(['IdP Crew', 'EP Crew', 'App Crew', 'Vendors']));
  });
});

describe('responder attribute (table)', () => {
  it('prints a readable table with owner, control, status and reason', async () => {
    const { code, stdout } = await run([join(EXAMPLES, 'partner-session.json')]);
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toContain('halvorsen-soc-2026-03-17-0003');
    expect(lines[0]).toContain('partner Fjordline IT Services');
    expect(lines[2]).toMatch(/^OWNER\s+CONTROL\s+STATUS\s+REASON$/);
    expect(stdout).toMatch(
      /partner: Fjordline IT Services \(managed service provider\)\s+partner\.delegated-trust-boundary\s+failed\s+The delegated administration session of Fjordline IT Services/,
    );
    expect(stdout).toContain('8 failed, 4 held, 11 undetermined of 23 controls.');
    expect(stdout).toContain('nothing was contained, ticketed or recorded');
    expect(() => JSON.parse(stdout)).toThrow();
  });

  it('aligns the columns', async () => {
    const { stdout } = await run([join(EXAMPLES, 'fully-controlled-tenant.json')]);
    const rows = stdout
      .split('\n')
      .filter((line) => /^(OWNER|iam|endpoint|application)/.test(line));
    const controlColumn = new Set(
      rows.map((row) => row.search(/(CONTROL|iam\.|endpoint\.|application\.)(?=\S*\s{2})/)),
    );
    expect(rows.length).toBeGreaterThan(10);
    expect(controlColumn.size).toBe(1);
  });
});

describe('responder attribute errors (exit 2, message on stderr)', () => {
  it('names the field of an invalid detection', async () => {
    const path = write('bad.json', JSON.stringify({ schemaVersion: '1', severity: 'urgent' }));
    const { code, stdout, stderr } = await run([path, '--json']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('responder attribute: invalid detection:');
    expect(stderr).toContain('severity:');
    expect(stderr).toContain('detectionId:');
  });

  it('names an unknown signal value with its path', async () => {
    const detection = {
      schemaVersion: '1',
      detectionId: 'd',
      detectedAt: '2026-03-17T14:12:05Z',
      severity: 'low',
      source: { vendor: 'v', product: 'p' },
      tenant: { provider: 'entra', tenantId: 't' },
      subject: { type: 'user', id: 'u' },
      signals: { mfaMethod: 'carrierPigeon' },
    };
    const { code, stderr } = await run(['-'], JSON.stringify(detection));
    expect(code).toBe(2);
    expect(stderr).toContain('signals.mfaMethod:');
  });

  it('reports an unreadable file', async () => {
    const { code, stderr } = await run([join(dir, 'does-not-exist.json')]);
    expect(code).toBe(2);
    expect(stderr).toContain('cannot read');
    expect(stderr).toContain('ENOENT');
  });

  it('reports a file that is not JSON', async () => {
    const { code, stderr } = await run([write('broken.json', '{"schemaVersion":')]);
    expect(code).toBe(2);
    expect(stderr).toContain('is not valid JSON');
  });

  it('requires a file argument', async () => {
    const { code, stderr } = await run([]);
    expect(code).toBe(2);
    expect(stderr).toContain('missing <file|->');
  });

  it('rejects unknown options and extra arguments', async () => {
    const path = join(EXAMPLES, 'aitm-phished-admin.json');
    expect((await run([path, '--yaml'])).code).toBe(2);
    const extra = await run([path, 'other.json']);
    expect(extra.code).toBe(2);
    expect(extra.stderr).toContain("unexpected argument 'other.json'");
  });

  it('names the file and field of an invalid ownership map', async () => {
    const path = write('bad-map.json', JSON.stringify({ version: 1 }));
    const { code, stderr } = await run([
      join(EXAMPLES, 'aitm-phished-admin.json'),
      '--ownership',
      path,
    ]);
    expect(code).toBe(2);
    expect(stderr).toContain(path);
    expect(stderr).toContain('defaults:');
  });
});

it('lists attribute in the command overview', async () => {
  const io = captureIo({ cwd: dir });
  expect(await main(['--help'], io)).toBe(0);
  expect(io.stdout).toContain('attribute');
});
