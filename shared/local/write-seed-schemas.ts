import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod/mini';
import { awsIamSeedSchema } from './simulated-aws-iam/seed.ts';
import { oktaSeedSchema } from './simulated-okta/seed.ts';
import { seedSchema } from './simulated-tenant/seed.ts';

/**
 * Writes each simulator's seed.schema.json, the JSON Schema of its seed, for editors and
 * reviewers. Generated from the zod schemas (input view), never edited by hand; a test fails
 * when a checked-in file is stale. Run: `npx node shared/local/write-seed-schemas.ts`.
 */

function seedSchemaText(schema: z.core.$ZodType, title: string, description: string): string {
  const { $schema, ...generated } = z.toJSONSchema(schema, { io: 'input' });
  return `${JSON.stringify({ $schema, title, description, ...generated }, null, 2)}\n`;
}

export const SEED_SCHEMA_PATH = join(import.meta.dirname, 'simulated-tenant/seed.schema.json');

export const seedJsonSchemaText = () =>
  seedSchemaText(
    seedSchema,
    'revocation-responder simulated Entra tenant seed',
    'Everything the in-memory Entra tenant starts with: the app registration(s) the responder signs in as, users, service principals, directory roles and role assignments (permanent and active PIM). Secrets in a seed are simulated values, never real credentials.',
  );

export const AWS_IAM_SEED_SCHEMA_PATH = join(
  import.meta.dirname,
  'simulated-aws-iam/seed.schema.json',
);

export const awsIamSeedJsonSchemaText = () =>
  seedSchemaText(
    awsIamSeedSchema,
    'revocation-responder simulated AWS IAM seed',
    'Everything the in-memory AWS IAM account starts with: its roles (with inline policies) and IAM users (with the ids and status of their access keys). Roles under /aws-reserved/ or /aws-service-role/ are protected as in IAM. A seed never holds a secret access key.',
  );

export const OKTA_SEED_SCHEMA_PATH = join(import.meta.dirname, 'simulated-okta/seed.schema.json');

export const oktaSeedJsonSchemaText = () =>
  seedSchemaText(
    oktaSeedSchema,
    'revocation-responder simulated Okta org seed',
    'Everything the in-memory Okta org starts with: the service app(s) the responder signs in as (client id and granted scopes; the key pair is made at start), users with their IdP sessions, OAuth tokens, lifecycle status and directly assigned admin roles, and groups holding admin roles.',
  );

if (import.meta.main) {
  for (const [path, text] of [
    [SEED_SCHEMA_PATH, seedJsonSchemaText()],
    [AWS_IAM_SEED_SCHEMA_PATH, awsIamSeedJsonSchemaText()],
    [OKTA_SEED_SCHEMA_PATH, oktaSeedJsonSchemaText()],
  ] as const) {
    writeFileSync(path, text);
    process.stdout.write(`wrote ${path}\n`);
  }
}
