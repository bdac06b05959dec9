import * as z from 'zod/mini';
import { parseWith } from '../domain/validation.ts';
import {
  type AwsPrincipal,
  awsPrincipalArn,
  guardDutyDetectionIdFromArn,
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
import { mfaSignal } from './securityhub-asff.ts';
import { fromOcsfSeverityId } from './severity.ts';

/**
 * Security Hub findings in OCSF (`source: aws.securityhub`, `detail-type: Findings Imported
 * V2`, one finding per event). Only OCSF Detection Findings (class 2004) whose resources include
 * an IAM access key, user or role are about an identity; compliance and vulnerability findings
 * are posture, not compromise, and are ignored.
 */
export const OCSF_DETAIL_TYPE = 'Findings Imported V2';
const DETECTION_FINDING = 2004;

const text = () => z.optional(z.nullable(z.string()));
const datetime = () => z.optional(z.nullable(z.iso.datetime({ offset: true })));
const epochMs = () => z.optional(z.nullable(z.number()));
const accountRef = () => z.optional(z.nullable(z.object({ uid: text() })));

const findingSchema = z.object({
  class_uid: z.number(),
  class_name: text(),
  activity_id: z.optional(z.nullable(z.number())),
  severity_id: z.number(),
  status_id: z.optional(z.nullable(z.number())),
  time: epochMs(),
  time_dt: datetime(),
  metadata: z.object({
    product: z.optional(z.nullable(z.object({ name: text(), vendor_name: text() }))),
  }),
  finding_info: z.object({
    uid: z.string().check(z.minLength(1), z.maxLength(480)),
    title: text(),
    types: z.optional(z.nullable(z.array(z.string()))),
    created_time: epochMs(),
    created_time_dt: datetime(),
    src_url: text(),
  }),
  cloud: z.optional(
    z.nullable(z.object({ provider: text(), region: text(), account: accountRef() })),
  ),
  resources: z.optional(
    z.nullable(
      z.array(
        z.object({
          type: text(),
          uid: text(),
          uid_alt: text(),
          cloud_partition: text(),
          owner: z.optional(z.nullable(z.object({ account: accountRef() }))),
        }),
      ),
    ),
  ),
  actor: z.optional(
    z.nullable(
      z.object({
        user: z.optional(
          z.nullable(
            z.object({
              uid: text(),
              uid_alt: text(),
              name: text(),
              type: text(),
              credential_uid: text(),
              account: accountRef(),
            }),
          ),
        ),
        // The identity provider a federated session came through (web identity, SAML).
        idp: z.optional(z.nullable(z.object({ name: text(), uid: text() }))),
        session: z.optional(
          z.nullable(
            z.object({
              uid_alt: text(),
              issuer: text(),
              created_time: epochMs(),
              created_time_dt: datetime(),
              is_mfa: z.optional(z.nullable(z.boolean())),
              credential_uid: text(),
            }),
          ),
        ),
      }),
    ),
  ),
  evidences: z.optional(
    z.nullable(
      z.array(
        z.object({
          src_endpoint: z.optional(
            z.nullable(
              z.object({
                ip: text(),
                autonomous_system: z.optional(
                  z.nullable(
                    z.object({ number: z.optional(z.nullable(z.number())), name: text() }),
                  ),
                ),
              }),
            ),
          ),
          api: z.optional(
            z.nullable(
              z.object({
                operation: text(),
                service: z.optional(z.nullable(z.object({ name: text() }))),
              }),
            ),
          ),
        }),
      ),
    ),
  ),
});

const ocsfEventSchema = eventBridgeEvent(
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

const IDENTITY_RESOURCE_TYPES = [
  'AWS::IAM::AccessKey',
  'AWS::IAM::User',
  'AWS::IAM::Role',
  'AwsIamAccessKey',
  'AwsIamUser',
  'AwsIamRole',
];
const EC2_INSTANCE_TYPES = ['AWS::EC2::Instance', 'AwsEc2Instance'];
const CLOSED_STATUS = new Map([
  [3, 'Suppressed'],
  [4, 'Resolved'],
  [5, 'Archived'],
  [6, 'Deleted'],
]);
const ACTIVITY_CLOSE = 3;

export function normalizeSecurityHubOcsf(input: unknown): NormalizeResult {
  const sha = rawSha256(input);
  const what = 'Security Hub (OCSF) finding';
  const parsed = parseWith(ocsfEventSchema, input, what);
  if (!parsed.ok) return { kind: 'invalid', error: parsed.error, rawSha256: sha };
  const finding = parsed.value.detail.findings[0] as Finding;
  const info = finding.finding_info;
  const sourceEventId = info.uid;
  const at = 'detail.findings[0]';

  if (finding.class_uid !== DETECTION_FINDING) {
    return ignored(
      `OCSF class ${finding.class_uid} (${finding.class_name ?? 'unnamed'}) is not a Detection Finding`,
      sha,
      sourceEventId,
    );
  }
  const closed = CLOSED_STATUS.get(finding.status_id ?? 0);
  if (closed) return ignored(`finding status is ${closed}`, sha, sourceEventId);
  if (finding.activity_id === ACTIVITY_CLOSE) {
    return ignored('finding was closed', sha, sourceEventId);
  }
  const resources = finding.resources ?? [];
  const identityResource = resources.find((r) => IDENTITY_RESOURCE_TYPES.includes(r.type ?? ''));
  if (!identityResource) {
    const types =
      [...new Set(resources.map((r) => r.type ?? 'unknown'))].join(', ') || 'no resource';
    return ignored(
      `finding concerns ${types}, not an IAM access key, user or role`,
      sha,
      sourceEventId,
    );
  }

  const user = finding.actor?.user;
  const session = finding.actor?.session;
  const accountId =
    present(finding.cloud?.account?.uid) ??
    present(identityResource.owner?.account?.uid) ??
    present(user?.account?.uid);
  if (!accountId) {
    return invalid(
      what,
      { path: `${at}.cloud.account.uid`, message: 'required: the AWS account the finding is in' },
      sha,
    );
  }
  const partition =
    present(identityResource.cloud_partition) ?? arnPartition(identityResource.uid_alt) ?? 'aws';
  const subject = subjectOf(finding, identityResource, partition, accountId);
  if (!subject) {
    return invalid(
      what,
      {
        path: `${at}.actor.user`,
        message: 'required: a user type and name, or an ARN, to name the principal to contain',
      },
      sha,
    );
  }
  if (subject.kind === 'notContainable') return ignored(subject.reason, sha, sourceEventId);

  const detectedAt =
    timestamp(info.created_time_dt, info.created_time) ?? timestamp(finding.time_dt, finding.time);
  if (!detectedAt) {
    return invalid(
      what,
      { path: `${at}.finding_info.created_time_dt`, message: 'required: when it was detected' },
      sha,
    );
  }
  const mapped = fromOcsfSeverityId(finding.severity_id);
  const evidence = finding.evidences?.find((e) => present(e.src_endpoint?.ip));
  const ip = present(evidence?.src_endpoint?.ip);
  const api = finding.evidences?.find((e) => present(e.api?.operation))?.api;
  const accessKeyId =
    present(user?.credential_uid) ??
    present(session?.credential_uid) ??
    (identityResource.type?.endsWith('AccessKey') ? present(identityResource.uid) : undefined);
  const mfa = mfaSignal(session?.is_mfa, session?.issuer);
  const asn = evidence?.src_endpoint?.autonomous_system;
  const types = (info.types ?? []).filter((type) => present(type) !== undefined);
  const idp = present(finding.actor?.idp?.uid);
  const instance = resources.find((r) => EC2_INSTANCE_TYPES.includes(r.type ?? ''));
  const kind = awsSubjectKind({
    principalType: present(user?.type) ?? principalTypeOf(subject.arn),
    roleName: roleNameOf(subject.arn),
    sessionName: subject.sessionName,
    instanceId: present(instance?.uid),
    identityProvider: idp,
    findingTypes: types,
  });

  return finish(
    {
      detectionId: guardDutyDetectionIdFromArn(info.uid) ?? `aws.securityhub:${info.uid}`,
      detectedAt,
      severity: mapped ?? 'medium',
      source: {
        vendor: 'aws',
        product: 'securityhub',
        ruleId: present(info.types?.[0]),
        url: present(info.src_url),
      },
      tenant: { provider: 'aws', tenantId: accountId },
      subject: { type: 'awsPrincipal', id: subject.arn, displayName: subject.displayName, kind },
      session: {
        sessionId: accessKeyId,
        tokenIssuedAt: timestamp(session?.created_time_dt, session?.created_time),
        ipAddress: ip,
      },
      signals: { ...mfa.signals, ...perimeterSignals(types), ...credentialSignals(accessKeyId) },
      evidence: compact([
        {
          type: 'aws.securityhub.finding',
          ref: info.uid,
          description: clip(
            [finding.metadata.product?.name, info.title].filter(Boolean).join(': ') || undefined,
            2000,
          ),
        },
        accessKeyId && { type: 'aws.accessKeyId', ref: accessKeyId },
        present(session?.issuer) && { type: 'aws.iam.role', ref: session?.issuer ?? '' },
        idp && {
          type: 'aws.iam.oidcProvider',
          ref: idp,
          description: clip(present(finding.actor?.idp?.name), 2000),
        },
        api?.operation && {
          type: 'aws.apiCall',
          ref: `${api.service?.name ?? 'unknown'}:${api.operation}`,
        },
        ip && {
          type: 'network.sourceIp',
          ref: ip,
          description: [asn?.number ? `AS${asn.number}` : undefined, asn?.name]
            .filter(Boolean)
            .join(', '),
        },
        !mapped && {
          type: 'severity.default',
          ref: 'medium',
          description: `OCSF severity_id ${finding.severity_id} gives no level; medium assumed`,
        },
        mfa.note,
      ]),
    },
    { sourceEventId, rawSha256: sha, what },
  );
}

function subjectOf(
  finding: Finding,
  resource: NonNullable<Finding['resources']>[number],
  partition: string,
  accountId: string,
): AwsPrincipal | undefined {
  const user = finding.actor?.user;
  for (const arn of [finding.actor?.session?.uid_alt, user?.uid_alt]) {
    if (arn?.startsWith('arn:') && /:(assumed-role|user|role|federated-user)\/|:root$/.test(arn)) {
      return { kind: 'principal', arn, displayName: arn.slice(arn.indexOf('/') + 1) || arn };
    }
  }
  const type = present(user?.type);
  const name = present(user?.name);
  if (type && name) {
    return awsPrincipalArn({
      partition,
      accountId: present(user?.account?.uid) ?? accountId,
      type,
      name,
      principalId: user?.uid,
    });
  }
  for (const arn of [resource.uid_alt, resource.uid]) {
    if (arn?.startsWith('arn:') && /:iam::\d{12}:(user|role)\//.test(arn)) {
      return { kind: 'principal', arn, displayName: arn.slice(arn.lastIndexOf('/') + 1) };
    }
  }
  return undefined;
}

function timestamp(iso: string | null | undefined, ms: number | null | undefined) {
  if (iso) return isoUtc(iso);
  if (typeof ms !== 'number') return undefined;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** `AssumedRole` for an assumed-role session ARN; other ARNs leave the type to the finding. */
function principalTypeOf(arn: string): string {
  return /:assumed-role\//.test(arn) ? 'AssumedRole' : 'unknown';
}

/** The role name of an assumed-role session ARN (`assumed-role/<role>/<session>`). */
function roleNameOf(arn: string): string | undefined {
  return /:assumed-role\/([^/]+)\//.exec(arn)?.[1];
}

function arnPartition(arn: string | null | undefined): string | undefined {
  return arn?.startsWith('arn:') ? arn.split(':')[1] : undefined;
}
