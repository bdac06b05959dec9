import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as eventschemas from 'aws-cdk-lib/aws-eventschemas';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { ENTRA_DETAIL_TYPE } from '../../shared/sources/entra.ts';
import { GUARDDUTY_DETAIL_TYPE, GUARDDUTY_SOURCE } from '../../shared/sources/guardduty.ts';
import { NATIVE_DETAIL_TYPE } from '../../shared/sources/native.ts';
import { OKTA_DETAIL_TYPE, OKTA_THREAT_EVENTS } from '../../shared/sources/okta.ts';
import { ASFF_DETAIL_TYPES, SECURITYHUB_SOURCE } from '../../shared/sources/securityhub-asff.ts';
import { OCSF_DETAIL_TYPE } from '../../shared/sources/securityhub-ocsf.ts';
import { RESPONDER_EVENT_SOURCE, type ResponderConfig } from '../config.ts';
import { DETECTION_SCHEMA_NAME, detectionEventSchemaDraft4 } from '../detection-event-schema.ts';
import { acknowledgeNag } from '../nag.ts';
import type { LedgerTable } from './ledger-table.ts';
import type { WorkQueue } from './queues.ts';
import { ResponderFunction } from './responder-function.ts';
import type { StateTable } from './state-table.ts';

const EVENT_BUS_NAME = 'revocation-responder';

/** GuardDuty finding families that mean an IAM credential is being used by someone else. */
const GUARDDUTY_CREDENTIAL_FINDING_PREFIXES = [
  'UnauthorizedAccess:IAMUser/',
  'CredentialAccess:IAMUser/',
  'InitialAccess:IAMUser/',
  'Discovery:IAMUser/',
  'PrivilegeEscalation:IAMUser/',
  'Persistence:IAMUser/',
  'DefenseEvasion:IAMUser/',
  'Exfiltration:IAMUser/',
  'Impact:IAMUser/',
  'Stealth:IAMUser/',
];

const SECURITY_HUB_ASFF_IDENTITY_TYPES = ['AwsIamAccessKey', 'AwsIamUser', 'AwsIamRole'];
const SECURITY_HUB_OCSF_IDENTITY_TYPES = [
  'AWS::IAM::AccessKey',
  'AWS::IAM::User',
  'AWS::IAM::Role',
];
const OCSF_DETECTION_FINDING = 2004;

/** Stage-wide API throttling, and the tighter one on the unauthenticated SET endpoint. */
const API_THROTTLE = { rateLimit: 50, burstLimit: 100 };
const SSF_THROTTLE = { rateLimit: 10, burstLimit: 20 };
export const API_STAGE = 'prod';

export interface IntakeProps {
  config: ResponderConfig;
  embeddedConfig: string;
  respondQueue: WorkQueue;
  state: StateTable;
  ledger: LedgerTable;
  /** The roles allowed to publish the responder's own events (source `revocation-responder`). */
  publishers: iam.IRole[];
}

/**
 * Where detections come in: the responder's event bus (native detections from trusted sources),
 * rules for the detectors that publish on their own buses (GuardDuty and Security Hub on the
 * default bus, Okta on its partner buses), the event schema registry, and the HTTP API with
 * the `intake-api` Lambda. Every rule feeds the one respond queue.
 */
export class Intake extends Construct {
  readonly bus: events.EventBus;
  readonly rules: events.Rule[] = [];
  readonly api: apigateway.RestApi;
  /** Checks bodies and parameters before a Lambda runs; other routes reuse it. */
  readonly validator: apigateway.RequestValidator;
  readonly v1: apigateway.IResource;
  readonly intakeApi: ResponderFunction;
  readonly registry: eventschemas.CfnRegistry;
  readonly detectionSchema: eventschemas.CfnSchema;

  constructor(scope: Construct, id: string, props: IntakeProps) {
    super(scope, id);
    const { config } = props;

    this.bus = new events.EventBus(this, 'Bus', {
      eventBusName: EVENT_BUS_NAME,
      description: 'Native detections in; Containment Completed, Remediation Requested out',
    });
    this.restrictBus(config, props.publishers);

    const toRespond = new targets.SqsQueue(props.respondQueue.queue, {
      deadLetterQueue: props.respondQueue.deadLetterQueue,
    });
    this.route('NativeDetections', 'Native detections from trusted sources', toRespond, {
      eventBus: this.bus,
      eventPattern: { source: config.trustedSources, detailType: [NATIVE_DETAIL_TYPE] },
    });
    // Graph has no push for risk detections: a SOAR forwards them with the related sign-in.
    this.route('EntraRiskDetections', 'Entra ID Protection risk detections via SOAR', toRespond, {
      eventBus: this.bus,
      eventPattern: { source: config.trustedSources, detailType: [ENTRA_DETAIL_TYPE] },
    });
    // GuardDuty and Security Hub publish to the default bus only. A GuardDuty finding also
    // arrives through Security Hub; both normalize to the same detection id (idempotent).
    this.route('GuardDutyCredentialFindings', 'GuardDuty IAM credential findings', toRespond, {
      eventPattern: {
        source: [GUARDDUTY_SOURCE],
        detailType: [GUARDDUTY_DETAIL_TYPE],
        detail: {
          type: events.Match.anyOf(
            ...GUARDDUTY_CREDENTIAL_FINDING_PREFIXES.map((prefix) => events.Match.prefix(prefix)),
          ),
          resource: { resourceType: ['AccessKey'] },
        },
      },
    });
    this.route(
      'SecurityHubAsffIdentityFindings',
      'Security Hub ASFF identity findings',
      toRespond,
      {
        eventPattern: {
          source: [SECURITYHUB_SOURCE],
          detailType: [...ASFF_DETAIL_TYPES],
          detail: {
            findings: {
              Resources: { Type: SECURITY_HUB_ASFF_IDENTITY_TYPES },
              RecordState: ['ACTIVE'],
            },
          },
        },
      },
    );
    this.route(
      'SecurityHubOcsfIdentityFindings',
      'Security Hub OCSF identity findings',
      toRespond,
      {
        eventPattern: {
          source: [SECURITYHUB_SOURCE],
          detailType: [OCSF_DETAIL_TYPE],
          detail: {
            findings: {
              class_uid: [OCSF_DETECTION_FINDING],
              resources: { type: SECURITY_HUB_OCSF_IDENTITY_TYPES },
            },
          },
        },
      },
    );
    config.oktaEventSources.forEach((source, index) => {
      // Associates the pending partner event source with its bus (named after the source), so
      // one deploy wires Okta too; do not also associate it in the console.
      const partnerBus = new events.EventBus(this, `OktaBus${index}`, {
        eventSourceName: source,
        description: `Okta Log Streaming (${source})`,
      });
      this.route(`OktaThreatEvents${index}`, `Okta ITP events from ${source}`, toRespond, {
        eventBus: partnerBus,
        eventPattern: {
          source: [source],
          detailType: [OKTA_DETAIL_TYPE],
          detail: { eventType: Object.keys(OKTA_THREAT_EVENTS) },
        },
      });
    });

    this.registry = new eventschemas.CfnRegistry(this, 'SchemaRegistry', {
      registryName: RESPONDER_EVENT_SOURCE,
      description: 'Events revocation-responder accepts',
    });
    this.detectionSchema = new eventschemas.CfnSchema(this, 'DetectionSchema', {
      registryName: this.registry.attrRegistryName,
      schemaName: DETECTION_SCHEMA_NAME,
      type: 'JSONSchemaDraft4',
      description: 'Session Compromise Detected: the native detection event, contract version 1',
      content: JSON.stringify(detectionEventSchemaDraft4()),
    });

    this.intakeApi = new ResponderFunction(this, 'IntakeApi', {
      entry: 'functions/intake-api/handler.ts',
      description: 'POST /v1/detections and /v1/ssf/events: validate, record, queue for respond',
      embeddedConfig: props.embeddedConfig,
      logRetentionDays: config.logRetentionDays,
      timeout: Duration.seconds(10),
      environment: {
        RESPOND_QUEUE_URL: props.respondQueue.queue.queueUrl,
        // The SET replay guard.
        STATE_TABLE_NAME: props.state.table.tableName,
        // Validated and measured at synth (infra/config.ts); no transmitter, no SET accepted.
        ...(config.ssfTransmitters.length > 0
          ? { SSF_TRANSMITTERS: JSON.stringify(config.ssfTransmitters) }
          : {}),
      },
    });
    props.respondQueue.grantSend(this.intakeApi);
    this.restrictRespondQueue(props.respondQueue);
    props.state.grantStateAccess(this.intakeApi);
    props.ledger.grantAppend(this.intakeApi);

    this.api = this.createApi(config);
    this.v1 = this.api.root.addResource('v1');
    const intake = new apigateway.LambdaIntegration(this.intakeApi, { allowTestInvoke: false });
    const validator = this.api.addRequestValidator('Validator', {
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    // Only "a JSON object" here: the handler's schema names the offending field, one format.
    const jsonObject = this.api.addModel('JsonObject', {
      contentType: 'application/json',
      schema: {
        schema: apigateway.JsonSchemaVersion.DRAFT4,
        type: apigateway.JsonSchemaType.OBJECT,
      },
    });
    // Detections over HTTP from the configured SOAR roles only; none configured: from nobody.
    this.api.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DetectionsFromSoarCallersOnly',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['execute-api:Invoke'],
        resources: [`execute-api:/${API_STAGE}/POST/v1/detections`],
        conditions: unlessPrincipalIn(config.soarCallerRoleArns),
      }),
    );
    this.v1.addResource('detections').addMethod('POST', intake, {
      authorizationType: apigateway.AuthorizationType.IAM,
      requestValidator: validator,
      requestModels: { 'application/json': jsonObject },
    });
    // RFC 8935 push: the transmitter signs each SET (verified against its JWKS); it cannot SigV4.
    // Without a configured transmitter the handler answers 404 to every SET.
    // No gateway validation either: errors must use the RFC's own format, from the handler.
    const ssf = this.v1
      .addResource('ssf')
      .addResource('events')
      .addMethod('POST', intake, { authorizationType: apigateway.AuthorizationType.NONE });
    // The SET route stays open at the IAM layer (the handler verifies each SET's signature);
    // with a resource policy present, a route without SigV4 needs this explicit Allow.
    this.api.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'SignedSetsFromAnyone',
        principals: [new iam.AnyPrincipal()],
        actions: ['execute-api:Invoke'],
        resources: [`execute-api:/${API_STAGE}/POST/v1/ssf/events`],
      }),
    );
    acknowledgeNag(
      ssf,
      'AwsSolutions-APIG4',
      'RFC 8935 push delivery authenticates each Security Event Token by its JWS signature, checked against the configured transmitter JWKS, because a transmitter cannot sign requests with SigV4.',
    );
    this.validator = validator;
  }

  /**
   * The respond queue takes messages only from the rules above (EventBridge, by rule ARN) and
   * from intake-api's role: a Deny for every other sender, whatever its IAM policy allows.
   */
  private restrictRespondQueue(respondQueue: WorkQueue): void {
    respondQueue.queue.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlyIntakeSendsToRespond',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['sqs:SendMessage'],
        resources: [respondQueue.queue.queueArn],
        conditions: {
          ArnNotEquals: {
            'aws:SourceArn': this.rules.map((rule) => rule.ruleArn),
            'aws:PrincipalArn': this.intakeApi.executionRole.roleArn,
          },
        },
      }),
    );
  }

  private route(
    id: string,
    description: string,
    target: events.IRuleTarget,
    props: Pick<events.RuleProps, 'eventBus' | 'eventPattern'>,
  ): void {
    this.rules.push(new events.Rule(this, id, { ...props, description, targets: [target] }));
  }

  /**
   * Only trusted sources may be put on the bus, and only the responder itself may use its own
   * source (a forged `Remediation Requested` would open tickets). Same-account callers still
   * need `events:PutEvents` in their own policies; other accounts need to be listed.
   */
  private restrictBus(config: ResponderConfig, publishers: iam.IRole[]): void {
    const allowedSources = [...config.trustedSources, RESPONDER_EVENT_SOURCE];
    const principals = [
      new iam.AccountRootPrincipal(),
      ...config.trustedPrincipals.map((p) =>
        /^\d{12}$/.test(p) ? new iam.AccountPrincipal(p) : new iam.ArnPrincipal(p),
      ),
    ];
    this.bus.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AdmitTrustedSources',
        principals,
        actions: ['events:PutEvents'],
        resources: [this.bus.eventBusArn],
        conditions: { 'ForAllValues:StringEquals': { 'events:source': config.trustedSources } },
      }),
    );
    this.bus.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'RefuseUntrustedSources',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['events:PutEvents'],
        resources: [this.bus.eventBusArn],
        conditions: { 'ForAnyValue:StringNotEquals': { 'events:source': allowedSources } },
      }),
    );
    // Native detections only from the configured publishers; none configured: from nobody.
    this.bus.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'NativeDetectionsFromConfiguredPublishersOnly',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['events:PutEvents'],
        resources: [this.bus.eventBusArn],
        conditions: {
          'ForAnyValue:StringEquals': { 'events:detail-type': [NATIVE_DETAIL_TYPE] },
          ...unlessPrincipalIn(config.detectionPublisherArns),
        },
      }),
    );
    this.bus.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlyTheResponderUsesItsSource',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['events:PutEvents'],
        resources: [this.bus.eventBusArn],
        conditions: {
          'ForAnyValue:StringEquals': { 'events:source': [RESPONDER_EVENT_SOURCE] },
          ArnNotEquals: { 'aws:PrincipalArn': publishers.map((role) => role.roleArn) },
        },
      }),
    );
  }

  private createApi(config: ResponderConfig): apigateway.RestApi {
    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      retention: config.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const api = new apigateway.RestApi(this, 'Api', {
      restApiName: 'revocation-responder',
      description: 'Detections in (SigV4 or signed SETs); ledger queries and release (SigV4)',
      endpointConfiguration: { types: [apigateway.EndpointType.REGIONAL] },
      // Safe by default: a method added without saying otherwise requires SigV4.
      defaultMethodOptions: { authorizationType: apigateway.AuthorizationType.IAM },
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: API_STAGE,
        tracingEnabled: true,
        metricsEnabled: true,
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        // Bodies carry detections and SETs: never copy them into execution logs.
        dataTraceEnabled: false,
        throttlingRateLimit: API_THROTTLE.rateLimit,
        throttlingBurstLimit: API_THROTTLE.burstLimit,
        methodOptions: {
          '/v1/ssf/events/POST': {
            throttlingRateLimit: SSF_THROTTLE.rateLimit,
            throttlingBurstLimit: SSF_THROTTLE.burstLimit,
          },
        },
        accessLogDestination: new apigateway.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields({
          caller: true,
          httpMethod: true,
          ip: true,
          protocol: true,
          requestTime: true,
          resourcePath: true,
          responseLength: true,
          status: true,
          user: true,
        }),
      },
    });
    acknowledgeNag(
      api,
      'AwsSolutions-COG4',
      'Callers are machines (SOARs, auditors, operators with AWS roles) authenticated by SigV4 IAM authorization, or transmitters by SET signatures; a Cognito user pool would add an identity store with no user in it.',
    );
    const cloudWatchRole = api.node.tryFindChild('CloudWatchRole');
    if (cloudWatchRole) {
      acknowledgeNag(
        cloudWatchRole,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        "API Gateway's account-level logging role is defined by AWS with this managed policy, which only writes API Gateway's own log groups.",
      );
    }
    if (config.wafWebAclArn) {
      new wafv2.CfnWebACLAssociation(this, 'WebAcl', {
        resourceArn: api.deploymentStage.stageArn,
        webAclArn: config.wafWebAclArn,
      });
    } else {
      acknowledgeNag(
        api,
        'AwsSolutions-APIG3',
        'Every route but SET intake requires SigV4 and the SET route is throttled and signature-checked, so a web ACL is optional: set the wafWebAclArn context to attach one.',
      );
    }
    return api;
  }
}

/**
 * The condition that exempts `principals` from a Deny; with none, no condition, so the Deny
 * holds for everyone (IAM rejects an empty condition list).
 */
function unlessPrincipalIn(principals: readonly string[]): Record<string, unknown> {
  return principals.length === 0 ? {} : { ArnNotEquals: { 'aws:PrincipalArn': [...principals] } };
}
