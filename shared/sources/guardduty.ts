import * as z from 'zod/mini';
import { parseWith } from '../domain/validation.ts';
import { awsPrincipalArn, guardDutyDetectionId } from './aws-principal.ts';
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
import { fromGuardDutyScore } from './severity.ts';

/**
 * Amazon GuardDuty findings about IAM credentials, as EventBridge delivers them
 * (`source: aws.guardduty`, `detail-type: GuardDuty Finding`, camelCase finding in `detail`).
 * Only `AccessKey` findings concern a principal; the rest (EC2, S3, EKS...) are ignored.
 */
export const GUARDDUTY_SOURCE = 'aws.guardduty';
export const GUARDDUTY_DETAIL_TYPE = 'GuardDuty Finding';

const text = () => z.optional(z.nullable(z.string()));

const remoteIpDetails = z.object({
  ipAddressV4: text(),
  ipAddressV6: text(),
  organization: z.optional(
    z.nullable(
      z.object({ asn: z.optional(z.nullable(z.union([z.string(), z.number()]))), asnOrg: text() }),
    ),
  ),
  country: z.optional(z.nullable(z.object({ countryName: text() }))),
});

const findingSchema = z.object({
  accountId: z.string().check(z.regex(/^\d{12}$/, 'expected a 12-digit AWS account id')),
  region: z.string().check(z.minLength(1)),
  partition: text(),
  id: z.string().check(z.minLength(1), z.maxLength(300)),
  arn: z.string().check(z.startsWith('arn:')),
  type: z.string().check(z.minLength(1)),
  resource: z.object({
    resourceType: z.string(),
    accessKeyDetails: z.optional(
      z.nullable(
        z.object({
          accessKeyId: text(),
          principalId: text(),
          userType: text(),
          userName: text(),
        }),
      ),
    ),
    instanceDetails: z.optional(z.nullable(z.object({ instanceId: text() }))),
  }),
  service: z.optional(
    z.nullable(
      z.object({
        archived: z.optional(z.nullable(z.boolean())),
        count: z.optional(z.nullable(z.number())),
        additionalInfo: z.optional(z.nullable(z.object({ sample: z.optional(z.unknown()) }))),
        action: z.optional(
          z.nullable(
            z.object({
              awsApiCallAction: z.optional(
                z.nullable(
                  z.object({
                    api: text(),
                    serviceName: text(),
                    remoteIpDetails: z.optional(z.nullable(remoteIpDetails)),
                    remoteAccountDetails: z.optional(
                      z.nullable(
                        z.object({
                          accountId: text(),
                          affiliated: z.optional(z.nullable(z.boolean())),
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
  severity: z.number().check(z.gte(0), z.lte(10)),
  createdAt: z.iso.datetime({ offset: true }),
  title: text(),
});

const guardDutyEventSchema = eventBridgeEvent(findingSchema);

export function normalizeGuardDuty(input: unknown): NormalizeResult {
  const sha = rawSha256(input);
  const what = 'GuardDuty finding';
  const parsed = parseWith(guardDutyEventSchema, input, what);
  if (!parsed.ok) return { kind: 'invalid', error: parsed.error, rawSha256: sha };
  const finding = parsed.value.detail;
  const sourceEventId = finding.id;

  if (finding.resource.resourceType !== 'AccessKey') {
    return ignored(
      `GuardDuty ${finding.type} concerns a ${finding.resource.resourceType} resource, not IAM credentials`,
      sha,
      sourceEventId,
    );
  }
  if (finding.type.startsWith('Policy:')) {
    return ignored(
      `GuardDuty ${finding.type} reports a policy practice, not a credential compromise`,
      sha,
      sourceEventId,
    );
  }
  if (finding.service?.archived === true) {
    return ignored('GuardDuty finding is archived (suppressed)', sha, sourceEventId);
  }
  if (finding.service?.additionalInfo?.sample === true) {
    return ignored('GuardDuty sample finding (generated for testing)', sha, sourceEventId);
  }

  const key = finding.resource.accessKeyDetails;
  const userType = present(key?.userType);
  const userName = present(key?.userName);
  if (!userType || !userName) {
    return invalid(
      what,
      {
        path: `detail.resource.accessKeyDetails.${userType ? 'userName' : 'userType'}`,
        message: 'required for an AccessKey finding: it names the principal to contain',
      },
      sha,
    );
  }
  const partition = present(finding.partition) ?? finding.arn.split(':')[1] ?? 'aws';
  const principal = awsPrincipalArn({
    partition,
    accountId: finding.accountId,
    type: userType,
    name: userName,
    principalId: key?.principalId,
  });
  if (principal.kind === 'notContainable') {
    return ignored(`GuardDuty ${finding.type}: ${principal.reason}`, sha, sourceEventId);
  }

  const call = finding.service?.action?.awsApiCallAction;
  const remote = call?.remoteIpDetails;
  const ip = present(remote?.ipAddressV4) ?? present(remote?.ipAddressV6);
  const accessKeyId = present(key?.accessKeyId);
  const instanceId = present(finding.resource.instanceDetails?.instanceId);
  const asn = remote?.organization?.asn;
  const remoteAccount = call?.remoteAccountDetails;
  const kind = awsSubjectKind({
    principalType: userType,
    roleName: userName,
    sessionName: principal.sessionName,
    instanceId,
    findingTypes: [finding.type],
  });

  return finish(
    {
      detectionId: guardDutyDetectionId(finding.region, finding.accountId, finding.id),
      detectedAt: isoUtc(finding.createdAt),
      severity: fromGuardDutyScore(finding.severity),
      source: {
        vendor: 'aws',
        product: 'guardduty',
        ruleId: finding.type,
        url: `https://${finding.region}.console.aws.amazon.com/guardduty/home?region=${finding.region}#/findings?macros=current&fId=${encodeURIComponent(finding.id)}`,
      },
      tenant: { provider: 'aws', tenantId: finding.accountId },
      subject: {
        type: 'awsPrincipal',
        id: principal.arn,
        displayName: principal.displayName,
        kind,
      },
      // For AWS the access key id is the session handle: the IAM adapter reads it from here.
      session: { sessionId: accessKeyId, ipAddress: ip },
      signals: { ...perimeterSignals([finding.type]), ...credentialSignals(accessKeyId) },
      evidence: compact([
        { type: 'aws.guardduty.finding', ref: finding.arn, description: clip(finding.title, 2000) },
        accessKeyId && { type: 'aws.accessKeyId', ref: accessKeyId },
        instanceId && { type: 'aws.ec2.instance', ref: instanceId },
        call?.api && {
          type: 'aws.apiCall',
          ref: `${call.serviceName ?? 'unknown'}:${call.api}`,
          description: `called ${finding.service?.count ?? 'an unknown number of'} time(s)`,
        },
        present(remoteAccount?.accountId) && {
          type: 'aws.remoteAccount',
          ref: remoteAccount?.accountId ?? '',
          description:
            remoteAccount?.affiliated === false
              ? 'not affiliated with this GuardDuty environment'
              : remoteAccount?.affiliated === true
                ? 'affiliated with this GuardDuty environment'
                : undefined,
        },
        ip && {
          type: 'network.sourceIp',
          ref: ip,
          description: [
            asn !== undefined && asn !== null ? `AS${asn}` : undefined,
            remote?.organization?.asnOrg,
            remote?.country?.countryName,
          ]
            .filter(Boolean)
            .join(', '),
        },
      ]),
    },
    { sourceEventId, rawSha256: sha, what },
  );
}
