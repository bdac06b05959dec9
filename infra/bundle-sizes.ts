import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Bytes of each function's bundle (`index.mjs`) in a synthesized cloud assembly, keyed by the
 * function's construct path without the logical-id hash (e.g. `ContainmentRespond`). For the
 * benchmark and for people: `node infra/bundle-sizes.ts [cdk.out]` prints them as JSON.
 */
export function functionBundleSizes(
  assemblyDir: string,
  stackName = 'RevocationResponder',
): Record<string, number> {
  const template = JSON.parse(
    readFileSync(join(assemblyDir, `${stackName}.template.json`), 'utf8'),
  ) as { Resources: Record<string, { Type: string; Properties?: { Code?: { S3Key?: unknown } } }> };
  const sizes: Record<string, number> = {};
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const key = resource.Properties?.Code?.S3Key;
    if (typeof key !== 'string') throw new Error(`${logicalId} has no bundled code asset`);
    const asset = join(assemblyDir, `asset.${key.replace(/\.zip$/, '')}`, 'index.mjs');
    sizes[logicalId.replace(/[0-9A-F]{8}$/, '')] = statSync(asset).size;
  }
  return sizes;
}

if (import.meta.main) {
  const dir = resolve(process.argv[2] ?? 'cdk.out');
  process.stdout.write(`${JSON.stringify(functionBundleSizes(dir), null, 2)}\n`);
}
