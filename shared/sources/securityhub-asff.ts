import * as z from 'zod/mini';
import type { Signals } from '../domain/detection.ts';
import { parseWith } from '../domain/validation.ts';
import {
  type AwsPrincipal,
  awsPrincipalArn,
  guardDutyDetectionIdFromArn,
  isIdentityCenterRole,
} from './aws-principal.ts';
import { awsSubjectKind, credentialSignals, perimeterSignals } from './aws-workload.ts';
import { eventBridgeEvent } from './eventbridge.ts';
import { rawSha256 } from './raw.ts';
import {
  clip,
  compact,
  finish,
  ignored,
  invalid,
  isoUtc,
  type NormalizeResult,
  present,
} from './result.ts';
import { fromAsffSeverity } from './severity.ts';

/**
 * Security Hub CSPM findings in ASFF (`source: aws.securityhub`, `detail-type: Security Hub
 * Findings - Imported`, or `- Custom Action` when an analyst sent the finding on). Only a
 * finding whose resources include an IAM access key, user or role is about an identity.
 */
export const SECURITYHUB_SOURCE = 'aws.securityhub';
export const ASFF_DETAIL_TYPES = [
  'Security Hub Findings - Imported',
  'Security Hub Findings - Custom Action',
] as const;

const text = () => z.optional(z.nullable(z.string()));

const accessKeySchema = z.object({
  AccessKeyId: text(),
  AccountId: text(),
  PrincipalId: text(),
  PrincipalName: text(),
  PrincipalType: text(),
  Status: text(),
  SessionContext: z.optional(
    z.nullable(
      z.object({
        Attributes: z.optional(
          z.nullable(
            z.object({
              CreationDate: z.optional(z.nullable(z.iso.datetime({ offset: true }))),
              MfaAuthenticated: z.optional(z.nullable(z.boolean())),
            }),
          ),
        ),
        SessionIssuer: z.optional(
          z.nullable(z.object({ Arn: text(), UserName: text(), Type: text() })),
        ),
      }),
    ),
  ),
});

const resourceSchema = z.object({
  Type: z.string(),
  Id: z.string(),
  Partition: text(),
  Details: z.optional(
    z.nullable(
      z.object({
        AwsIamAccessKey: z.optional(z.nullable(accessKeySchema)),
        AwsIamUser: z.optional(z.nullable(z.object({ UserName: text() }))),
        AwsIamRole: z.optional(z.nullable(z.object({ RoleName: text() }))),
      }),
    ),
  ),
});

const findingSchema = z.object({
  Id: z.string().check(z.minLength(1), z.maxLength(512)),
  ProductArn: z.string().check(z.minLength(1)),
  ProductName: text(),
  GeneratorId: z.string().check(z.minLength(1)),
  AwsAccountId: z.string().check(z.regex(/^\d{12}$/, 'expected a 12-digit AWS account id')),
  Types: z.optional(z.array(z.string())),
  CreatedAt: z.iso.datetime({ offset: true }),
  Severity: z.object({ Label: text(), Normalized: z.optional(z.nullable(z.number())) }),
  Title: text(),
  SourceUrl: text(),
  Resources: z.array(resourceSchema).check(z.minLength(1)),
  Action: z.optional(
    z.nullable(
      z.object({
        AwsApiCallAction: z.optional(
          z.nullable(
            z.object({
              Api: text(),
              ServiceName: text(),
              RemoteIpDetails: z.optional(
                z.nullable(
                  z.object({
                    IpAddressV4: text(),
                    IpAddressV6: text(),
                    Organization: z.optional(
                      z.nullable(
                        z.object({
                          Asn: z.optional(z.nullable(z.union([z.number(), z.string()]))),
                          AsnOrg: text(),
                        }),
                      ),
                    ),
                  }),
                ),
              ),
            }),
          ),
        ),
      }),
    ),
  ),
  Workflow: z.optional(z.nullable(z.object({ Status: text() }))),
  RecordState: text(),
  Sample: z.optional(z.nullable(z.boolean())),
  ProductFields: z.optional(z.nullable(z.record(z.string(), z.string()))),
});

const asffEventSchema = eventBridgeEvent(
  z.object({
    findings: z
      .array(findingSchema)
      .check(
        z.minLength(1, 'expected one finding'),
        z.maxLength(1, 'Security Hub sends one finding per event'),
      ),
  }),
);

type Finding = z.infer<typeof findingSchema>;
type Resource = z.infer<typeof resourceSchema>;

const IDENTITY_TYPES = ['AwsIamAccessKey', 'AwsIamUser', 'AwsIamRole'] as const;

export function normalizeSecurityHubAsff(input: unknown): NormalizeResult {
  const sha = rawSha256(input);
  const what = 'Security Hub (ASFF) finding';
  const parsed = parseWith(asffEventSchema, input, what);
  if (!parsed.ok) return { kind: 'invalid', error: parsed.error, rawSha256: sha };
  const finding = parsed.value.detail.findings[0] as Finding;
  const sourceEventId = finding.Id;

  const workflow = finding.Workflow?.Status?.toUpperCase();
  if (finding.RecordState?.toUpperCase() === 'ARCHIVED') {
    return ignored('Security Hub finding is archived', sha, sourceEventId);
  }
  if (workflow === 'RESOLVED' || workflow === 'SUPPRESSED') {
    return ignored(`Security Hub finding workflow is ${workflow}`, sha, sourceEventId);
  }
  if (finding.Sample === true) return ignored('Security Hub sample finding', sha, sourceEventId);

  const index = pickIdentityResource(finding.Resources);
  if (index === undefined) {
    const types = [...new Set(finding.Resources.map((r) => r.Type))].join(', ');
    return ignored(
      `Security Hub finding concerns ${types}, not an IAM access key, user or role`,
      sha,
      sourceEventId,
    );
  }
  const resource = finding.Resources[index] as Resource;
  const path = `detail.findings[0].Resources[${index}]`;
  const partition = present(resource.Partition) ?? finding.ProductArn.split(':')[1] ?? 'aws';
  const subject = subjectOf(resource, partition, finding.AwsAccountId);
  if ('issue' in subject) {
    return invalid(
      what,
      { path: `${path}.${subject.issue.path}`, message: subject.issue.message },
      sha,
    );
  }
  if (subject.kind === 'notContainable') {
    return ignored(`Security Hub finding: ${subject.reason}`, sha, sourceEventId);
  }

  const severity = fromAsffSeverity({
    Label: finding.Severity.Label ?? undefined,
    Normalized: finding.Severity.Normalized ?? undefined,
  });
  if (!severity) {
    return invalid(
      what,
      { path: 'detail.findings[0].Severity.Label', message: 'no Label or Normalized severity' },
      sha,
    );
  }

  const key = resource.Details?.AwsIamAccessKey;
  const attributes = key?.SessionContext?.Attributes;
  const issuer = key?.SessionContext?.SessionIssuer;
  const call = finding.Action?.AwsApiCallAction;
  const remote = call?.RemoteIpDetails;
  const ip = present(remote?.IpAddressV4) ?? present(remote?.IpAddressV6);
  // GuardDuty's own imports carry the key id only in the resource id.
  const accessKeyId =
    present(key?.AccessKeyId) ?? /^AWS::IAM::AccessKey:(\w+)$/.exec(resource.Id)?.[1];
  const mfa = mfaSignal(attributes?.MfaAuthenticated, issuer?.UserName ?? issuer?.Arn);
  const findingRef =
    finding.ProductFields?.['aws/securityhub/FindingId'] ?? `${finding.ProductArn}/${finding.Id}`;
  const types = finding.Types ?? [];
  const principalType = present(key?.PrincipalType);
  const kind = principalType
    ? awsSubjectKind({
        principalType,
        roleName: present(key?.PrincipalName) ?? present(issuer?.UserName),
        sessionName: subject.sessionName,
        findingTypes: types,
      })
    : undefined;

  return finish(
    {
      detectionId: guardDutyDetectionIdFromArn(finding.Id) ?? `aws.securityhub:${findingRef}`,
      detectedAt: isoUtc(finding.CreatedAt),
      severity,
      source: {
        vendor: 'aws',
        product: 'securityhub',
        ruleId: finding.GeneratorId,
        url: present(finding.SourceUrl),
      },
      tenant: { provider: 'aws', tenantId: finding.AwsAccountId },
      subject: { type: 'awsPrincipal', id: subject.arn, displayName: subject.displayName, kind },
      session: {
        sessionId: accessKeyId,
        tokenIssuedAt: attributes?.CreationDate ? isoUtc(attributes.CreationDate) : undefined,
        ipAddress: ip,
      },
      signals: { ...mfa.signals, ...perimeterSignals(types), ...credentialSignals(accessKeyId) },
      evidence: compact([
        {
          type: 'aws.securityhub.finding',
          ref: findingRef,
          description: clip(
            [finding.ProductName, finding.Title].filter(Boolean).join(': ') || undefined,
            2000,
          ),
        },
        accessKeyId && { type: 'aws.accessKeyId', ref: accessKeyId },
        present(issuer?.Arn) && { type: 'aws.iam.role', ref: issuer?.Arn ?? '' },
        call?.Api && { type: 'aws.apiCall', ref: `${call.ServiceName ?? 'unknown'}:${call.Api}` },
        ip && {
          type: 'network.sourceIp',
          ref: ip,
          description: [
            remote?.Organization?.Asn ? `AS${remote.Organization.Asn}` : undefined,
            remote?.Organization?.AsnOrg,
          ]
            .filter(Boolean)
            .join(', '),
        },
        mfa.note,
      ]),
    },
    { sourceEventId, rawSha256: sha, what },
  );
}

function pickIdentityResource(resources: readonly Resource[]): number | undefined {
  for (const type of IDENTITY_TYPES) {
    const index = resources.findIndex((r) => r.Type === type);
    if (index >= 0) return index;
  }
  return undefined;
}

type SubjectOutcome = AwsPrincipal | { issue: { path: string; message: string } };

function subjectOf(resource: Resource, partition: string, findingAccount: string): SubjectOutcome {
  const details = resource.Details;
  if (resource.Type === 'AwsIamAccessKey') {
    const key = details?.AwsIamAccessKey;
    const type = present(key?.PrincipalType);
    const name =
      present(key?.PrincipalName) ?? present(key?.SessionContext?.SessionIssuer?.UserName);
    if (!type || !name) {
      return {
        issue: {
          path: `Details.AwsIamAccessKey.${type ? 'PrincipalName' : 'PrincipalType'}`,
          message: 'required: it names the principal whose key this is',
        },
      };
    }
    return awsPrincipalArn({
      partition,
      accountId: present(key?.AccountId) ?? findingAccount,
      type,
      name,
      principalId: key?.PrincipalId,
    });
  }
  if (resource.Id.startsWith('arn:')) {
    const name = resource.Id.slice(resource.Id.lastIndexOf('/') + 1);
    return { kind: 'principal', arn: resource.Id, displayName: name };
  }
  const name =
    resource.Type === 'AwsIamUser'
      ? present(details?.AwsIamUser?.UserName)
      : present(details?.AwsIamRole?.RoleName);
  if (!name) {
    return { issue: { path: 'Id', message: 'expected the ARN of the IAM user or role' } };
  }
  return awsPrincipalArn({
    partition,
    accountId: findingAccount,
    type: resource.Type === 'AwsIamUser' ? 'IAMUser' : 'AssumedRole',
    name,
  });
}

/**
 * STS's MFA flag. IAM Identity Center sessions always carry `false` (the MFA happened at the
 * identity source, not at STS), so for them it says nothing and the signal stays unknown.
 */
export function mfaSignal(
  mfaAuthenticated: boolean | null | undefined,
  issuer: string | null | undefined,
): { signals: Signals; note?: { type: string; ref: string; description: string } } {
  if (mfaAuthenticated === true) return { signals: { mfaSatisfied: true } };
  if (mfaAuthenticated !== false) return { signals: {} };
  const issuerName = issuer ? issuer.slice(issuer.lastIndexOf('/') + 1) : '';
  if (isIdentityCenterRole(issuerName)) {
    return {
      signals: {},
      note: {
        type: 'aws.mfaAuthenticated',
        ref: 'false',
        description:
          'IAM Identity Center session: STS does not see the MFA done at the identity source, so MFA is left unknown',
      },
    };
  }
  return { signals: { mfaSatisfied: false } };
}
