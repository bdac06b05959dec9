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
  federatedIdentityCredentials: z._default(
    z
      .array(
        z.object({
          issuer: z.url(),
          subject: name(),
          audiences: z._default(z.array(name()).check(z.minLength(1)), [
            'api://AzureADTokenExchange',
          ]),
        }),
      )
      .check(
        about(
          'Trusted external issuers (e.g. AWS outbound identity federation): an assertion from the issuer about the subject, for one of the audiences, signs the app in.',
        ),
      ),
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

export const seedSchema = z.object({
  tenant: z.object({ id: guid(), displayName: name(), defaultDomain: name() }),
  applications: z.array(applicationSchema).check(z.minLength(1)),
  roleDefinitions: z._default(z.array(roleDefinitionSchema), []),
  users: z._default(z.array(userSchema), []),
  servicePrincipals: z._default(z.array(servicePrincipalSchema), []),
  roleAssignments: z._default(z.array(roleAssignmentSchema), []),
});

export type Seed = z.infer<typeof seedSchema>;
export type SeedInput = z.input<typeof seedSchema>;
export type SeedApplication = z.infer<typeof applicationSchema>;

export function parseSeed(input: unknown): Result<Seed, InvalidInputError> {
  return parseWith(seedSchema, input, 'simulated tenant seed');
}
