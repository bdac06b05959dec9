import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResponderFunction } from '../../infra/constructs/responder-function.ts';

// Bundles one probe entry for real (local esbuild) and runs the result in a fresh Node process.
const EMBEDDED = { ownership: { version: 1 }, policy: { dryRun: true }, ticketSla: { hours: 24 } };

let outdir: string;
let bundleDir: string;
let bundle: string;

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'responder-bundle-'));
  const app = new App({ outdir });
  const stack = new Stack(app, 'Probe');
  new ResponderFunction(stack, 'Probe', {
    entry: 'test/infra/fixtures/probe/handler.ts',
    description: 'bundling probe',
    embeddedConfig: JSON.stringify(EMBEDDED),
    logRetentionDays: 7,
  });
  app.synth();
  const assets = readdirSync(outdir).filter((name) => name.startsWith('asset.'));
  expect(assets).toHaveLength(1);
  bundleDir = join(outdir, assets[0] as string);
  bundle = readFileSync(join(bundleDir, 'index.mjs'), 'utf8');
});

afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

function invokeBundle(env: Record<string, string>): Record<string, unknown> {
  const url = pathToFileURL(join(bundleDir, 'index.mjs')).href;
  const script = `const { handler } = await import(${JSON.stringify(url)}); process.stdout.write(JSON.stringify(await handler()));`;
  try {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      env: { PATH: process.env.PATH ?? '', AWS_EC2_METADATA_DISABLED: 'true', ...env },
      cwd: bundleDir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return JSON.parse(out);
  } catch (error) {
    // Node echoes the failing (minified, megabyte-long) source line: keep only the error lines.
    const stderr = String((error as { stderr?: unknown }).stderr ?? error);
    const lines = stderr.split('\n').filter((line) => /Error/.test(line) && line.length < 500);
    throw new Error(`the bundle failed: ${lines.join(' | ') || stderr.slice(0, 500)}`);
  }
}

describe('ResponderFunction bundling', () => {
  it('emits one minified ES module with an external source map', () => {
    expect(readdirSync(bundleDir).sort()).toEqual(['index.mjs', 'index.mjs.map']);
    expect(
      bundle.startsWith("import { createRequire as __responderCreateRequire } from 'node:module';"),
    ).toBe(true);
    expect(bundle).toMatch(/export\s*\{[^}]*as handler\s*\}/);
    expect(bundle.trimEnd().endsWith('//# sourceMappingURL=index.mjs.map')).toBe(true);
    // Minified: a few very long lines, not one statement per line.
    expect(bundle.length / bundle.split('\n').length).toBeGreaterThan(1000);
  });

  it('inlines the configuration at bundle time, ignoring any environment variable of that name', () => {
    const result = invokeBundle({ RESPONDER_EMBEDDED_CONFIG: '{"from":"environment"}' });
    expect(result.embedded).toEqual(EMBEDDED);
    expect(bundle.includes('RESPONDER_EMBEDDED_CONFIG')).toBe(false);
  });

  it('gives CommonJS dependencies a require for Node built-ins', () => {
    expect(invokeBundle({}).platform).toBe(process.platform);
  });

  it("takes the SDK's credentials from the Lambda environment", () => {
    const credentials = invokeBundle({
      AWS_ACCESS_KEY_ID: 'ASIAPROBEEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'probe-secret',
      AWS_SESSION_TOKEN: 'probe-token',
    }).credentials;
    expect(credentials).toBe('accessKeyId ASIAPROBEEXAMPLE');
  });

  it('looks nowhere else for credentials: no profile file, SSO cache or instance metadata', () => {
    // A profile that the stock chain would read is ignored: Lambda never has one.
    const home = mkdtempSync(join(tmpdir(), 'responder-probe-home-'));
    try {
      mkdirSync(join(home, '.aws'));
      writeFileSync(
        join(home, '.aws', 'credentials'),
        '[default]\naws_access_key_id = AKIAFROMPROFILE\naws_secret_access_key = from-profile\n',
      );
      expect(invokeBundle({ HOME: home }).credentials).toBe(
        'refused: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set: this bundle only reads credentials from the Lambda environment',
      );
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
    expect(bundle).not.toContain('defaultProvider::fromIni');
  });

  it('bundles only the parts of the Graph client the adapter uses, and they work', () => {
    expect(invokeBundle({}).graph).toEqual({ id: 'probe' });
    // Batching and large-file upload come with the package's index, never with the alias.
    expect(bundle).not.toContain('Duplicate RequestId Error');
    expect(bundle).not.toContain('Please pass the FileUpload object');
  });

  it('bundles the AWS SDK instead of importing the runtime copy', () => {
    // The bundle runs outside the repository, where no node_modules could supply the SDK.
    expect(invokeBundle({}).sdkRegion).toBe('eu-west-1');
    // No import statement or dynamic import() of an SDK package is left (strings may name one).
    expect(
      bundle.match(/(?:^|[;}])\s*import[^;(]*?from\s*["']@aws-sdk\/[^"']*/m)?.[0],
    ).toBeUndefined();
    expect(bundle.match(/import\(\s*["']@aws-sdk\/[^"']*/)?.[0]).toBeUndefined();
  });
});
