import { statSync } from 'node:fs';
import { build } from 'esbuild';
import { BUNDLE_ALIASES } from '../../infra/bundling/aliases.ts';
import { ROOT } from './fixtures.ts';

/**
 * Bundles `entry` with the options `cdk synth` gives every responder function (mirrors
 * infra/constructs/responder-function.ts and NodejsFunction's own flags): one minified,
 * tree-shaken ESM file for Node 24, AWS SDK included, external source map, a `require` shim
 * for CommonJS dependencies, and the same package aliases (infra/bundling/aliases.ts).
 */

const REQUIRE_SHIM =
  "import { createRequire as __responderCreateRequire } from 'node:module'; const require = __responderCreateRequire(import.meta.url);";

/** `entry`: a file relative to the repository root, or source text resolved from the root. */
export async function bundleLikeCdk(
  entry: string | { contents: string },
  outfile: string,
): Promise<number> {
  await buildLikeCdk(entry, outfile, false);
  return statSync(outfile).size;
}

/**
 * Output bytes per package (or per top-level folder of ours) in the bundle of `entry`, largest
 * first: where the size of a function comes from.
 */
export async function bundleComposition(
  entry: string,
  outfile: string,
): Promise<Record<string, number>> {
  const { metafile } = await buildLikeCdk(entry, outfile, true);
  const bytes = new Map<string, number>();
  for (const output of Object.values(metafile?.outputs ?? {})) {
    for (const [path, input] of Object.entries(output.inputs)) {
      const pkg =
        /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? path.split('/')[0] ?? path;
      bytes.set(pkg, (bytes.get(pkg) ?? 0) + input.bytesInOutput);
    }
  }
  return Object.fromEntries([...bytes].sort((a, b) => b[1] - a[1]));
}

function buildLikeCdk(entry: string | { contents: string }, outfile: string, metafile: boolean) {
  return build({
    absWorkingDir: ROOT,
    metafile,
    ...(typeof entry === 'string'
      ? { entryPoints: [entry] }
      : { stdin: { contents: entry.contents, resolveDir: ROOT, loader: 'js' as const } }),
    outfile,
    bundle: true,
    target: 'node24',
    platform: 'node',
    format: 'esm',
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    mainFields: ['module', 'main'],
    banner: { js: REQUIRE_SHIM },
    treeShaking: true,
    legalComments: 'none',
    logLevel: 'error',
    alias: { ...BUNDLE_ALIASES },
  });
}
