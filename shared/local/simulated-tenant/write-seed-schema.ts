import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod/mini';
import { seedSchema } from './seed.ts';

/**
 * Writes seed.schema.json, the JSON Schema of a simulated tenant seed, for editors and reviewers.
 * Generated from the zod schema, never edited by hand; a test fails when the file is stale.
 * Run: `npx node shared/local/simulated-tenant/write-seed-schema.ts`.
 */

export const SEED_SCHEMA_PATH = join(import.meta.dirname, 'seed.schema.json');

export function seedJsonSchemaText(): string {
  const { $schema, ...generated } = z.toJSONSchema(seedSchema, { io: 'input' });
  const schema = {
    $schema,
    title: 'revocation-responder simulated Entra tenant seed',
    description:
      'Everything the in-memory Entra tenant starts with: the app registration(s) the responder signs in as, users, service principals, directory roles and role assignments (permanent and active PIM). Secrets in a seed are simulated values, never real credentials.',
    ...generated,
  };
  return `${JSON.stringify(schema, null, 2)}\n`;
}

if (import.meta.main) {
  writeFileSync(SEED_SCHEMA_PATH, seedJsonSchemaText());
  process.stdout.write(`wrote ${SEED_SCHEMA_PATH}\n`);
}
