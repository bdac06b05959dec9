import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { functionBundleSizes } from '../../infra/bundle-sizes.ts';
import { PROJECT_ROOT } from '../../infra/config.ts';
import { cdkJsonContext } from './support.ts';

/**
 * Runs `infra/app.ts` the way `cdk synth` does (CDK_OUTDIR, CDK_CONTEXT_JSON), with real local
 * esbuild bundling of every function and the AwsSolutions checks registered on the app. No
 * CLI: nothing here can reach the network (the CLI looks for notices and credentials).
 * Bundle size budgets are the benchmark's business (`node infra/bundle-sizes.ts cdk.out`).
 */

const outdirs: string[] = [];
function runApp(context: Record<string, unknown>): {
  outdir: string;
  run: SpawnSyncReturns<string>;
} {
  const outdir = mkdtempSync(join(tmpdir(), 'responder-synth-'));
  outdirs.push(outdir);
  const run = spawnSync(process.execPath, [join(PROJECT_ROOT, 'infra/app.ts')], {
    cwd: PROJECT_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      CDK_OUTDIR: outdir,
      CDK_CONTEXT_JSON: JSON.stringify(context),
    },
    encoding: 'utf8',
  });
  return { outdir, run };
}

let outdir: string;
let run: SpawnSyncReturns<string>;
beforeAll(() => {
  ({ outdir, run } = runApp(cdkJsonContext()));
});
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

function bundles(): Map<string, string> {
  const template = JSON.parse(
    readFileSync(join(outdir, 'RevocationResponder.template.json'), 'utf8'),
  ) as { Resources: Record<string, { Type: string; Properties: { Code?: { S3Key?: string } } }> };
  const byFunction = new Map<string, string>();
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const hash = resource.Properties.Code?.S3Key?.replace(/\.zip$/, '');
    byFunction.set(id.replace(/[0-9A-F]{8}$/, ''), join(outdir, `asset.${hash}`, 'index.mjs'));
  }
  return byFunction;
}

describe('synthesizing the app', () => {
  it('synthesizes with every function bundled and cdk-nag satisfied', () => {
    expect(run.stderr).not.toMatch(/ERROR|Error:/);
    expect(run.status).toBe(0);
    expect([...bundles().keys()].sort()).toEqual([
      'AuditorApiLedgerApi',
      'ContainmentRelease',
      'ContainmentRespond',
      'IntakeIntakeApi',
      'TicketsOpenTickets',
    ]);
  });

  it('bundles each function into one ES module with the require shim', () => {
    for (const [name, file] of bundles()) {
      const head = readFileSync(file, 'utf8').slice(0, 200);
      expect(head, name).toMatch(/^import \{ createRequire as __responderCreateRequire \}/);
    }
  });

  it('measures every function bundle from the assembly', () => {
    const sizes = functionBundleSizes(outdir);
    expect(Object.keys(sizes).sort()).toEqual([...bundles().keys()].sort());
    for (const [name, bytes] of Object.entries(sizes)) expect(bytes, name).toBeGreaterThan(0);
  });

  it('stops before synthesizing anything when the context is invalid, naming the key', () => {
    const bad = runApp({ ...cdkJsonContext(), maxConcurrency: 1 });
    expect(bad.run.status).toBe(1);
    expect(bad.run.stderr.trim()).toBe(
      'revocation-responder: invalid cdk.json context: maxConcurrency: Too small: expected number to be >=2',
    );
  });
});
