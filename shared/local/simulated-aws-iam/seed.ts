import * as z from 'zod/mini';
import type { InvalidInputError, Result } from '../../domain/errors.ts';
import { parseWith } from '../../domain/validation.ts';

/**
 * The simulated AWS IAM's seed: one account's roles (with their inline policies) and IAM users
 * (with their access keys' ids and status; never a secret access key). `seed.schema.json` next
 * to this file is generated from this schema (a test keeps them equal).
 */

const about = (text: string) => z.describe(text);
const timestamp = () => z.iso.datetime({ offset: true });
// IAM's own name pattern and limits (role and user names: 64, policy names: 128).
const iamName = (max: number) =>
  z.string().check(z.minLength(1), z.maxLength(max), z.regex(/^[\w+=,.@-]+$/));
const iamPath = () =>
  z
    .string()
    .check(
      z.regex(/^\/([\x21-\x7e]*\/)?$/),
      about(
        'IAM path, `/` by default. `/aws-reserved/...` (IAM Identity Center) and `/aws-service-role/...` roles are protected: IAM answers UnmodifiableEntity to changes.',
      ),
    );

const inlinePolicySchema = z.object({
  policyName: iamName(128),
  policyDocument: z.union([
    z.string().check(z.minLength(1)),
    z.record(z.string(), z.unknown()).check(about('The policy as a JSON object.')),
  ]),
});

const roleSchema = z.object({
  roleName: iamName(64),
  path: z._default(iamPath(), '/'),
  roleId: z.optional(
    z
      .string()
      .check(
        z.regex(/^AROA[A-Z0-9]{12,124}$/),
        about('AROA... unique id; derived from the name when absent.'),
      ),
  ),
  createDate: timestamp(),
  inlinePolicies: z._default(z.array(inlinePolicySchema), []),
  note: z.optional(z.string().check(z.maxLength(512), about('Documentation only.'))),
});

const accessKeySchema = z.object({
  accessKeyId: z.string().check(z.regex(/^AKIA[A-Z0-9]{12,124}$/)),
  status: z.enum(['Active', 'Inactive']),
  createDate: timestamp(),
});

const userSchema = z.object({
  userName: iamName(64),
  path: z._default(iamPath(), '/'),
  userId: z.optional(
    z
      .string()
      .check(
        z.regex(/^AIDA[A-Z0-9]{12,124}$/),
        about('AIDA... unique id; derived from the name when absent.'),
      ),
  ),
  createDate: timestamp(),
  // IAM's quota: two access keys per user.
  accessKeys: z._default(
    z
      .array(accessKeySchema)
      .check(z.maxLength(2), about('At most two, as IAM allows. Ids and status only.')),
    [],
  ),
  note: z.optional(z.string().check(z.maxLength(512), about('Documentation only.'))),
});

export const awsIamSeedSchema = z.object({
  account: z.object({
    id: z.string().check(z.regex(/^\d{12}$/), about('The 12-digit AWS account id.')),
    partition: z._default(z.enum(['aws', 'aws-us-gov', 'aws-cn']), 'aws'),
  }),
  roles: z._default(z.array(roleSchema), []),
  users: z._default(z.array(userSchema), []),
});

export type AwsIamSeed = z.infer<typeof awsIamSeedSchema>;
export type AwsIamSeedInput = z.input<typeof awsIamSeedSchema>;

export function parseAwsIamSeed(input: unknown): Result<AwsIamSeed, InvalidInputError> {
  return parseWith(awsIamSeedSchema, input, 'simulated AWS IAM seed');
}
