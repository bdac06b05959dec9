import * as z from 'zod/mini';
import type { InvalidInputError, Result } from '../../domain/errors.ts';
import { parseWith } from '../../domain/validation.ts';

/**
 * The simulated Okta org's seed: the org, the service app(s) the responder signs in as (client
 * id and granted scopes; the key pair is made at start, never stored), users with their
 * sessions, OAuth tokens, lifecycle status and admin roles, and groups holding roles.
 * `seed.schema.json` next to this file is generated from this schema (a test keeps them equal).
 */

const about = (text: string) => z.describe(text);
const timestamp = () => z.iso.datetime({ offset: true });
const text = (max = 256) => z.string().check(z.minLength(1), z.maxLength(max));

const roleSchema = z.object({
  id: text(),
  type: text().check(about('SUPER_ADMIN, ORG_ADMIN, APP_ADMIN, ... or CUSTOM.')),
  label: z.optional(text()),
  role: z.optional(text().check(about('CUSTOM only: the custom role id.'))),
  resourceSet: z.optional(text().check(about('CUSTOM only: the resource set id.'))),
  created: timestamp(),
});

const userSchema = z.object({
  id: z.string().check(z.regex(/^00u[A-Za-z0-9]{17}$/), about('Okta user id (00u...).')),
  status: z._default(
    z.enum([
      'STAGED',
      'PROVISIONED',
      'ACTIVE',
      'RECOVERY',
      'LOCKED_OUT',
      'PASSWORD_EXPIRED',
      'SUSPENDED',
      'DEPROVISIONED',
    ]),
    'ACTIVE',
  ),
  login: text().check(about('Unique login; matched case-insensitively.')),
  firstName: z.optional(text()),
  lastName: z.optional(text()),
  created: timestamp(),
  sessions: z._default(
    z.array(text()).check(about('Ids of the IdP sessions the user holds now.')),
    [],
  ),
  oauthTokens: z._default(
    z.array(text()).check(about('Ids of OAuth refresh tokens Okta issued to the user.')),
    [],
  ),
  roles: z._default(
    z.array(roleSchema).check(about('Admin roles assigned to the user directly.')),
    [],
  ),
  groups: z._default(z.array(text()), []),
});

const groupSchema = z.object({
  id: text(),
  name: text(),
  roles: z._default(z.array(roleSchema).check(about('Admin roles assigned to the group.')), []),
});

export const oktaSeedSchema = z.object({
  org: z.object({
    name: text(63).check(about('The org as detections carry it, e.g. halvorsen-freight.')),
  }),
  apps: z
    .array(
      z.object({
        clientId: text(),
        scopes: z.array(text()).check(about('The Okta API scopes granted to the service app.')),
      }),
    )
    .check(z.minLength(1)),
  apiToken: z.optional(
    text(1024).check(about('A simulated SSWS API token with every scope (the fallback).')),
  ),
  rateLimit: z._default(
    z.object({
      perMinute: z
        .number()
        .check(z.int(), z.positive(), about('Requests per minute per endpoint.')),
    }),
    { perMinute: 600 },
  ),
  users: z._default(z.array(userSchema), []),
  groups: z._default(z.array(groupSchema), []),
});

export type OktaSeed = z.infer<typeof oktaSeedSchema>;
export type OktaSeedInput = z.input<typeof oktaSeedSchema>;
export type SeedUser = OktaSeed['users'][number];
export type SeedRole = SeedUser['roles'][number];

export function parseOktaSeed(input: unknown): Result<OktaSeed, InvalidInputError> {
  return parseWith(oktaSeedSchema, input, 'simulated Okta org seed');
}
