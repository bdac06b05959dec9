import * as z from 'zod/mini';
import type { InvalidInputError, Result } from '../../domain/errors.ts';
import { parseWith } from '../../domain/validation.ts';

/**
 * The simulated tenant's seed: everything the in-memory Entra tenant starts with.
 * `seed.schema.json` next to this file is generated from this schema (a test keeps them equal).
 */

const guid = () =>
  z
    .string()
    .check(
      z.regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/),
    );
const name = () => z.string().check(z.minLength(1), z.maxLength(256));
const about = (text: string) => z.describe(text);
const timestamp = () => z.iso.datetime({ offset: true });

const applicationSchema = z.object({
  clientId: guid().check(about("The app registration's application (client) id.")),
  displayName: name(),
  clientSecrets: z._default(
    z
      .array(z.string().check(z.minLength(8), z.maxLength(256)))
      .check(about('Accepted client secrets: simulated values only, never a real credential.')),
    [],
  ),
  certificates: z._default(
    z
      .array(z.string().check(z.minLength(1)))
      .check(about('PEM certificates (public part) accepted for client-assertion sign-in.')),
    [],
  ),
  permissions: z
    .array(name())
    .check(about('Granted Graph application permissions, e.g. User.RevokeSessions.All.')),
  directoryRoles: z._default(
    z
      .array(name())
      .check(
        about(
          'Entra roles assigned to the app. "Privileged Authentication Administrator" or "Global Administrator" lets it disable administrators.',
        ),
      ),
    [],
  ),
});

const userSchema = z.object({
  id: guid(),
  userPrincipalName: name(),
  displayName: name(),
  /** Graph's `mail` and `proxyAddresses` (`SMTP:primary`, `smtp:alias`): the user's other names. */
  mail: z.optional(name()),
  proxyAddresses: z.optional(z.array(name()).check(z.maxLength(100))),
  accountEnabled: z._default(z.boolean(), true),
  signInSessionsValidFromDateTime: timestamp(),
  riskLevel: z._default(z.enum(['none', 'low', 'medium', 'high']), 'none'),
  riskState: z._default(
    z.enum(['none', 'atRisk', 'confirmedCompromised', 'remediated', 'dismissed']),
    'none',
  ),
  note: z.optional(
    z
      .string()
      .check(
        z.maxLength(512),
        about(
          'Documentation only, e.g. "break-glass". The containment policy decides what is protected.',
        ),
      ),
  ),
});

const passwordCredentialSchema = z.object({
  keyId: guid(),
  displayName: z.optional(name()),
  hint: z.optional(z.string().check(z.maxLength(3))),
  endDateTime: z.optional(timestamp()),
});

const servicePrincipalSchema = z.object({
  id: guid(),
  appId: guid(),
  displayName: name(),
  accountEnabled: z._default(z.boolean(), true),
  passwordCredentials: z._default(z.array(passwordCredentialSchema), []),
  riskState: z._default(z.enum(['none', 'atRisk', 'confirmedCompromised', 'dismissed']), 'none'),
});

const roleDefinitionSchema = z.object({
  id: guid(),
  displayName: name(),
  isPrivileged: z._default(z.boolean(), true),
});

const roleAssignmentSchema = z.object({
  id: name(),
  principalId: guid(),
  roleDefinitionId: guid(),
  directoryScopeId: z._default(name(), '/'),
  type: z
    .enum(['permanent', 'pimActive'])
    .check(
      about(
        'permanent: made directly (roleAssignments API); pimActive: an active PIM assignment (schedule requests).',
      ),
    ),
  activated: z._default(
    z
      .boolean()
      .check(
        about('pimActive only: activated from an eligible assignment (else assigned as active).'),
      ),
    false,
  ),
  endDateTime: z.optional(
    timestamp().check(about('pimActive only: when the active assignment ends; absent: no expiry.')),
  ),
});

const roleEligibilitySchema = z.object({
  id: name(),
  principalId: guid().check(about('A user or a role-assignable group.')),
  roleDefinitionId: guid(),
  directoryScopeId: z._default(name(), '/'),
  startDateTime: z.optional(timestamp()),
  endDateTime: z.optional(
    timestamp().check(about('When the eligibility ends; absent: no expiry.')),
  ),
});

const groupSchema = z.object({
  id: guid(),
  displayName: name(),
  isAssignableToRole: z._default(z.boolean(), false),
  members: z._default(z.array(guid()).check(about('Object ids of direct (non-PIM) members.')), []),
});

const pimGroupAccessSchema = z.object({
  id: name(),
  groupId: guid(),
  principalId: guid(),
  accessId: z._default(z.enum(['member', 'owner']), 'member'),
  schedule: z
    .enum(['eligible', 'active'])
    .check(
      about(
        'PIM for Groups: eligible to activate, or an active (assigned or activated) membership.',
      ),
    ),
  startDateTime: z.optional(timestamp()),
  endDateTime: z.optional(timestamp()),
});

const keyCredentialSchema = z.object({
  keyId: guid(),
  displayName: z.optional(name()),
  type: z._default(z.string(), 'AsymmetricX509Cert'),
  usage: z._default(z.string(), 'Verify'),
  endDateTime: z.optional(timestamp()),
});

const applicationObjectSchema = z.object({
  id: guid().check(about('The application object id (not the appId).')),
  appId: guid(),
  displayName: name(),
  passwordCredentials: z._default(z.array(passwordCredentialSchema), []),
  keyCredentials: z._default(z.array(keyCredentialSchema), []),
});

export const seedSchema = z.object({
  tenant: z.object({ id: guid(), displayName: name(), defaultDomain: name() }),
  applications: z.array(applicationSchema).check(z.minLength(1)),
  roleDefinitions: z._default(z.array(roleDefinitionSchema), []),
  users: z._default(z.array(userSchema), []),
  servicePrincipals: z._default(z.array(servicePrincipalSchema), []),
  roleAssignments: z._default(z.array(roleAssignmentSchema), []),
  roleEligibilities: z._default(z.array(roleEligibilitySchema), []),
  groups: z._default(z.array(groupSchema), []),
  pimGroupAccess: z._default(z.array(pimGroupAccessSchema), []),
  applicationObjects: z._default(
    z
      .array(applicationObjectSchema)
      .check(
        about(
          'App registrations of workloads in this tenant (their secrets and certificates); a service principal whose appId is not here belongs to a multi-tenant app registered elsewhere.',
        ),
      ),
    [],
  ),
});

export type Seed = z.infer<typeof seedSchema>;
export type SeedInput = z.input<typeof seedSchema>;
export type SeedApplication = z.infer<typeof applicationSchema>;

export function parseSeed(input: unknown): Result<Seed, InvalidInputError> {
  return parseWith(seedSchema, input, 'simulated tenant seed');
}
