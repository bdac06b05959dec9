import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod/mini';
import { awsIamSeedSchema } from './seed.ts';

/**
 * Writes seed.schema.json, the JSON Schema of a simulated AWS IAM seed, for editors and
 * reviewers. Generated from the zod schema, never edited by hand; a test fails when it is stale.
 * Run: `npx node shared/local/simulated-aws-iam/write-seed-schema.ts`.
 */

export const AWS_IAM_SEED_SCHEMA_PATH = join(import.meta.dirname, 'seed.schema.json');

export function awsIamSeedJsonSchemaText(): string {
  const { $schema, ...generated } = z.toJSONSchema(awsIamSeedSchema, { io: 'input' });
  const schema = {
    $schema,
    title: 'revocation-responder simulated AWS IAM seed',
    description:
      'Everything the in-memory AWS IAM account starts with: its roles (with inline policies) and IAM users (with the ids and status of their access keys). Roles under /aws-reserved/ or /aws-service-role/ are protected as in IAM. A seed never holds a secret access key.',
    ...generated,
  };
  return `${JSON.stringify(schema, null, 2)}\n`;
}

if (import.meta.main) {
  writeFileSync(AWS_IAM_SEED_SCHEMA_PATH, awsIamSeedJsonSchemaText());
  process.stdout.write(`wrote ${AWS_IAM_SEED_SCHEMA_PATH}\n`);
}
