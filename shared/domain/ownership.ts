import * as z from 'zod/mini';
import type { OwnerRole } from './accountability.ts';
import type { Detection } from './detection.ts';
import type { InvalidInputError, Result } from './errors.ts';
import { parseWith } from './validation.ts';

/**
 * The ownership map: who is accountable, per owner role and tenant, and where their tickets go.
 * Credentials never live here; `connection` names a configured connection whose secret is held
 * in Secrets Manager (AWS) or the environment (local mode).
 */

const name = () => z.string().check(z.minLength(1), z.maxLength(256));

const jiraDestination = z.object({
  system: z.literal('jira'),
  project: name(),
  issueType: z.optional(name()),
  assigneeAccountId: z.optional(name()),
  component: z.optional(name()),
  labels: z.optional(z.array(name())),
  connection: z.optional(name()),
});

const serviceNowDestination = z.object({
  system: z.literal('servicenow'),
  assignmentGroup: name(),
  table: z.optional(z.enum(['incident', 'sn_si_incident'])),
  connection: z.optional(name()),
});

const webhookDestination = z.object({
  system: z.literal('webhook'),
  url: z.url({ protocol: /^https?$/ }),
  connection: z.optional(name()),
});

const fileDestination = z.object({
  system: z.literal('file'),
  folder: z.optional(name()),
});

const ticketDestinationSchema = z.discriminatedUnion('system', [
  jiraDestination,
  serviceNowDestination,
  webhookDestination,
  fileDestination,
]);

export const ownerAssignmentSchema = z.object({
  team: name(),
  ticket: ticketDestinationSchema,
  escalation: name(),
});

const tenantRoles = z.object({
  iam: z.optional(ownerAssignmentSchema),
  endpoint: z.optional(ownerAssignmentSchema),
  application: z.optional(ownerAssignmentSchema),
});

const ownershipMapSchema = z.object({
  version: z.literal(1),
  /** The tenant-side owners every tenant gets unless it overrides them. */
  defaults: z.object({
    iam: ownerAssignmentSchema,
    endpoint: ownerAssignmentSchema,
    application: ownerAssignmentSchema,
  }),
  /** Delegated partners (MSPs) by the name detections carry in `tenant.partner.name`. */
  partners: z.optional(z.record(name(), ownerAssignmentSchema)),
  /** Used for a partner in a detection that the map does not name, so it is never left unowned. */
  unknownPartner: ownerAssignmentSchema,
  tenants: z.optional(
    z.record(
      name(),
      z.object({
        owners: z.optional(tenantRoles),
        partners: z.optional(z.record(name(), ownerAssignmentSchema)),
      }),
    ),
  ),
});

export type TicketDestination = z.infer<typeof ticketDestinationSchema>;
export type TicketSystemName = TicketDestination['system'];
export type OwnerAssignment = z.infer<typeof ownerAssignmentSchema>;
export type OwnershipMap = z.infer<typeof ownershipMapSchema>;

/** The accountable owners for one detection: tenant roles always, the partner only when present. */
export type ResolvedOwners = Record<Exclude<OwnerRole, 'partner'>, OwnerAssignment> & {
  partner?: OwnerAssignment;
};

export function parseOwnershipMap(input: unknown): Result<OwnershipMap, InvalidInputError> {
  return parseWith(ownershipMapSchema, input, 'ownership map');
}

/** Tenant overrides win over defaults; a partner named in the detection adds the partner role. */
export function resolveOwners(
  map: OwnershipMap,
  detection: Pick<Detection, 'tenant'>,
): ResolvedOwners {
  const tenant = map.tenants?.[detection.tenant.tenantId];
  const owners: ResolvedOwners = {
    iam: tenant?.owners?.iam ?? map.defaults.iam,
    endpoint: tenant?.owners?.endpoint ?? map.defaults.endpoint,
    application: tenant?.owners?.application ?? map.defaults.application,
  };
  const partnerName = detection.tenant.partner?.name;
  if (partnerName !== undefined) {
    owners.partner =
      tenant?.partners?.[partnerName] ?? map.partners?.[partnerName] ?? map.unknownPartner;
  }
  return owners;
}
