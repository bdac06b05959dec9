import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { functionBundleSizes } from '../infra/bundle-sizes.ts';
import { ROOT } from './lib/fixtures.ts';
import { bundleComposition, bundleLikeCdk } from './lib/lambda-bundle.ts';
import { loadAverage } from './lib/machine.ts';
import { median, round, spread } from './lib/stats.ts';

/**
 * The respond bundle: its size as `cdk synth` produces it (the cdk.json app run the way the CLI
 * runs it, with local esbuild bundling), and its module load time in fresh Node 24 processes
 * against a bundle of a bare DynamoDB client built with the same esbuild options. The respond
 * handler's top-level code validates its configuration and fails fast without it (nothing is
 * configured here, so no network call is attempted): load time is measured until `import()`
 * settles, which includes evaluating every module of the bundle.
 * Alone: `node bench/bundle.ts [--loads 15] [--cdk-out <dir>]` (an existing assembly is reused).
 */

export interface BundleOptions {
  /** Fresh processes per bundle (interleaved). */
  loads: number;
  /** Reuse a synthesized cloud assembly instead of synthesizing one. */
  cdkOut?: string;
}

export interface BundleReport {
  respondBytes: number;
  initMs: number;
  baselineInitMs: number;
  initRatio: number;
  targets: { respondBytes: number; initRatio: number };
  met: boolean;
  baselineBytes: number;
  respondAsset: string;
  initSpreadMs: { respond: ReturnType<typeof spread>; baseline: ReturnType<typeof spread> };
  respondImportOutcome: string;
  functionBytes: Record<string, number>;
  /** KB per package in the respond bundle, largest first (the same build, with a metafile). */
  respondComposition: Record<string, number>;
  measured: string;
  notes: string[];
}

const TARGET_BYTES = 800 * 1024;
const TARGET_RATIO = 1.5;

const BARE_DYNAMODB_CLIENT = `import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
const client = new DynamoDBClient({});
export const handler = async (event) => client.send(new GetItemCommand(event));
`;

/** Times `import()` of a module from inside a fresh process, excluding Node's own start-up. */
const LOADER = `const started = performance.now();
let outcome = 'loaded';
try {
  await import(process.argv[2]);
} catch (error) {
  outcome = 'threw ' + (error?.name ?? 'error') + ': ' + String(error?.message ?? error).slice(0, 160);
}
process.stdout.write(JSON.stringify({ ms: performance.now() - started, outcome }));
`;

/** What a Lambda function's environment holds before configuration: no tables, no secrets. */
const LAMBDA_LIKE_ENV = {
  PATH: process.env.PATH ?? '',
  AWS_REGION: 'us-east-1',
  AWS_LAMBDA_FUNCTION_NAME: 'bench-respond',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
  POWERTOOLS_SERVICE_NAME: 'revocation-responder',
  POWERTOOLS_METRICS_NAMESPACE: 'RevocationResponder',
  AWS_EC2_METADATA_DISABLED: 'true',
};

/** Runs the cdk.json app as `cdk synth` does (CDK_OUTDIR, CDK_CONTEXT_JSON), offline. */
function synthesize(outdir: string): void {
  const cdkJson = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as {
    app: string;
    context: Record<string, unknown>;
  };
  const [command, ...args] = cdkJson.app.split(' ');
  const run = spawnSync(command === 'node' ? process.execPath : (command ?? 'node'), args, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      CDK_OUTDIR: outdir,
      CDK_CONTEXT_JSON: JSON.stringify(cdkJson.context),
      CDK_DISABLE_CLI_TELEMETRY: 'true',
      AWS_EC2_METADATA_DISABLED: 'true',
    },
    encoding: 'utf8',
  });
  if (run.status !== 0) {
    throw new Error(`synthesizing the app failed (${run.status}): ${run.stderr.slice(-2000)}`);
  }
}

/** The respond function's bundle in an assembly: the Lambda function whose construct is `Respond`. */
function respondAsset(assemblyDir: string): string {
  const template = JSON.parse(
    readFileSync(join(assemblyDir, 'RevocationResponder.template.json'), 'utf8'),
  ) as { Resources: Record<string, { Type: string; Properties?: { Code?: { S3Key?: unknown } } }> };
  const matches = Object.entries(template.Resources).filter(
    ([id, resource]) => resource.Type === 'AWS::Lambda::Function' && /Respond[0-9A-F]{8}$/.test(id),
  );
  const [match, ...others] = matches;
  const key = match?.[1].Properties?.Code?.S3Key;
  if (!match || others.length > 0 || typeof key !== 'string') {
    throw new Error(
      `expected one respond function in the assembly, found ${matches.map(([id]) => id).join(', ') || 'none'}`,
    );
  }
  return join(assemblyDir, `asset.${key.replace(/\.zip$/, '')}`, 'index.mjs');
}

function loadOnce(loader: string, bundle: string): Promise<{ ms: number; outcome: string }> {
  return new Promise((resolveLoad, reject) => {
    // --enable-source-maps: the construct sets it in NODE_OPTIONS for every function.
    const child = spawn(
      process.execPath,
      ['--enable-source-maps', loader, pathToFileURL(bundle).href],
      {
        env: LAMBDA_LIKE_ENV,
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
    });
    child.once('error', reject);
    child.once('exit', () => {
      try {
        resolveLoad(JSON.parse(out) as { ms: number; outcome: string });
      } catch {
        reject(new Error(`the loader printed no timing for ${bundle}`));
      }
    });
  });
}

export async function measureBundle(options: BundleOptions): Promise<BundleReport> {
  const work = mkdtempSync(join(tmpdir(), 'bench-bundle-'));
  try {
    const assembly = options.cdkOut ? resolve(options.cdkOut) : join(work, 'cdk.out');
    if (!options.cdkOut) synthesize(assembly);
    const respond = respondAsset(assembly);
    const respondBytes = statSync(respond).size;
    const baseline = join(work, 'baseline', 'index.mjs');
    const baselineBytes = await bundleLikeCdk({ contents: BARE_DYNAMODB_CLIENT }, baseline);
    const composition = await bundleComposition(
      'functions/respond/handler.ts',
      join(work, 'composition', 'index.mjs'),
    );
    const loader = join(work, 'loader.mjs');
    writeFileSync(loader, LOADER);

    // One throwaway load each: the page cache, not the bundle, would otherwise pay the first.
    await loadOnce(loader, respond);
    await loadOnce(loader, baseline);
    const respondMs: number[] = [];
    const baselineMs: number[] = [];
    let respondOutcome = '';
    for (let i = 0; i < options.loads; i++) {
      // Interleaved, so both see the same machine load.
      const r = await loadOnce(loader, respond);
      respondMs.push(r.ms);
      respondOutcome = r.outcome;
      baselineMs.push((await loadOnce(loader, baseline)).ms);
    }
    const initMs = round(median(respondMs));
    const baselineInitMs = round(median(baselineMs));
    const initRatio = round(initMs / baselineInitMs);
    return {
      respondBytes,
      initMs,
      baselineInitMs,
      initRatio,
      targets: { respondBytes: TARGET_BYTES, initRatio: TARGET_RATIO },
      met: respondBytes < TARGET_BYTES && initRatio < TARGET_RATIO,
      baselineBytes,
      respondAsset: options.cdkOut ? respond : 'synthesized into a temporary cdk.out',
      initSpreadMs: { respond: spread(respondMs), baseline: spread(baselineMs) },
      respondImportOutcome: respondOutcome,
      functionBytes: functionBundleSizes(assembly),
      respondComposition: Object.fromEntries(
        Object.entries(composition)
          .slice(0, 12)
          .map(([name, bytes]) => [name, round(bytes / 1024, 1)]),
      ),
      measured: `median of ${options.loads} fresh Node ${process.version} processes each (interleaved), timing import() of the bundle from inside the process with --enable-source-maps as deployed`,
      notes: [
        'the respond handler validates its configuration at import and fails fast without it (measured until the import settles; no network call is made)',
        'baseline: a bare DynamoDB client (one GetItem handler) bundled with the same esbuild options as the functions',
      ],
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const index = args.indexOf('--loads');
  const cdkOut = args.indexOf('--cdk-out');
  const started = loadAverage();
  const report = await measureBundle({
    loads: Number(index >= 0 ? (args[index + 1] ?? '15') : '15'),
    ...(cdkOut >= 0 && args[cdkOut + 1] ? { cdkOut: args[cdkOut + 1] } : {}),
  });
  process.stdout.write(
    `${JSON.stringify({ loadAverage: { start: started, end: loadAverage() }, ...report }, null, 2)}\n`,
  );
}
