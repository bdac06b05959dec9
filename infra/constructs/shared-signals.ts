import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import { RESPONDER_EVENT_SOURCE, type ResponderConfig } from '../config.ts';
import { acknowledgeNag } from '../nag.ts';
import { API_STAGE } from './intake.ts';
import type { LedgerTable } from './ledger-table.ts';
import { WorkQueue } from './queues.ts';
import { ResponderFunction } from './responder-function.ts';
import type { StateTable } from './state-table.ts';

/** Push retries (with backoff) fit in one invocation; SQS redelivers what is still retryable. */
const TRANSMIT_TIMEOUT = Duration.seconds(60);
/** An authorizer's verdict is cached per token this long (tokens are verified, not revoked). */
const AUTHORIZER_CACHE = Duration.minutes(5);

type SsfTransmitterConfig = NonNullable<ResponderConfig['ssfTransmitter']>;

export interface SharedSignalsProps {
  config: ResponderConfig;
  transmitter: SsfTransmitterConfig;
  embeddedConfig: string;
  dataKey: kms.IKey;
  api: apigateway.RestApi;
  /** Streams, their poll queues and held SETs live on the state table. */
  state: StateTable;
  ledger: LedgerTable;
  bus: events.IEventBus;
}

/**
 * The Shared Signals transmitter (docs/shared-signals.md): the KMS key SETs are signed with, the
 * rules that hand the responder's own `Containment Completed` and `Release Completed` events to
 * `ssf-transmit` through a
 * queue (undeliverable ones end in its dead-letter queue), and the SSF routes on the API: the
 * discovery routes public, as the spec requires; the rest behind an OAuth bearer-token authorizer.
 */
export class SharedSignals extends Construct {
  readonly signingKey: kms.Key;
  readonly work: WorkQueue;
  readonly rules: events.Rule[];
  readonly transmit: ResponderFunction;
  readonly ssfApi: ResponderFunction;
  readonly authorizerFunction: ResponderFunction;
  readonly authorizer: apigateway.TokenAuthorizer;

  constructor(scope: Construct, id: string, props: SharedSignalsProps) {
    super(scope, id);
    const { config, transmitter } = props;
    const stack = Stack.of(this);
    // Built by hand: the API's `url` names its stage, which depends on these functions' routes.
    const apiUrl = `https://${props.api.restApiId}.execute-api.${stack.region}.${stack.urlSuffix}/${API_STAGE}`;
    const publicUrl = transmitter.publicUrl ?? apiUrl;
    const common = {
      embeddedConfig: props.embeddedConfig,
      logRetentionDays: config.logRetentionDays,
    };

    this.signingKey = new kms.Key(this, 'SigningKey', {
      description: 'Signs revocation-responder Security Event Tokens (RS256); never leaves KMS',
      keySpec: kms.KeySpec.RSA_2048,
      keyUsage: kms.KeyUsage.SIGN_VERIFY,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.work = new WorkQueue(this, 'TransmitQueue', {
      encryptionKey: props.dataKey,
      visibilityTimeout: Duration.seconds(TRANSMIT_TIMEOUT.toSeconds() * 6),
    });
    const environment = {
      STATE_TABLE_NAME: props.state.table.tableName,
      SSF_SIGNING_KEY_ID: this.signingKey.keyArn,
      SSF_ISSUER: publicUrl,
      SSF_DEFAULT_SUBJECTS: transmitter.defaultSubjects,
    };
    this.transmit = new ResponderFunction(this, 'Transmit', {
      ...common,
      entry: 'functions/ssf-transmit/handler.ts',
      description:
        'Containment Completed to signed SETs, pushed or queued for every subscribed stream',
      timeout: TRANSMIT_TIMEOUT,
      environment,
    });
    this.ssfApi = new ResponderFunction(this, 'Api', {
      ...common,
      entry: 'functions/ssf-api/handler.ts',
      description: 'SSF configuration, JWKS, stream management, verification and poll',
      timeout: Duration.seconds(29),
      environment: {
        ...environment,
        SSF_BASE_URL: publicUrl,
        SSF_TRANSMIT_QUEUE_URL: this.work.queue.queueUrl,
        ...(transmitter.audiences ? { SSF_AUDIENCES: JSON.stringify(transmitter.audiences) } : {}),
      },
    });
    this.authorizerFunction = new ResponderFunction(this, 'Authorizer', {
      ...common,
      entry: 'functions/ssf-authorizer/handler.ts',
      description: "Verifies SSF receivers' OAuth bearer tokens (issuer, audience, signature)",
      timeout: Duration.seconds(10),
      environment: {
        SSF_TOKEN_ISSUER: transmitter.issuer,
        SSF_TOKEN_AUDIENCE: transmitter.audience,
        SSF_TOKEN_JWKS_URI: transmitter.jwksUri,
      },
    });

    for (const fn of [this.transmit, this.ssfApi]) {
      props.state.grantStateAccess(fn);
      // Deleting a stream or acknowledging polled SETs removes items in batches.
      props.state.table.grant(fn, 'dynamodb:BatchWriteItem');
    }
    props.ledger.grantAppend(this.transmit); // signal.sent / signal.failed
    this.restrictSigning(this.transmit);
    // The API serves the public key and hands verification and resumed streams to the queue.
    this.signingKey.grant(this.ssfApi, 'kms:GetPublicKey');
    this.work.grantSend(this.ssfApi);

    this.transmit.addEventSource(
      new SqsEventSource(this.work.queue, { batchSize: 5, reportBatchItemFailures: true }),
    );
    // Release publishes its event only after the provider confirmed a restore (account-enabled).
    this.rules = (['Containment Completed', 'Release Completed'] as const).map(
      (detailType) =>
        new events.Rule(this, detailType.replace(' ', ''), {
          eventBus: props.bus,
          description: `The responder's own ${detailType} events, for the SSF transmitter`,
          eventPattern: { source: [RESPONDER_EVENT_SOURCE], detailType: [detailType] },
          targets: [
            new targets.SqsQueue(this.work.queue, { deadLetterQueue: this.work.deadLetterQueue }),
          ],
        }),
    );

    this.authorizer = new apigateway.TokenAuthorizer(this, 'BearerTokens', {
      handler: this.authorizerFunction,
      identitySource: apigateway.IdentitySource.header('Authorization'),
      validationRegex: '^Bearer [-0-9A-Za-z._~+/]+=*$',
      resultsCacheTtl: AUTHORIZER_CACHE,
    });
    this.addRoutes(props.api);
    // The authorizer's refusal in RFC 6750 terms, as the management API itself answers it.
    props.api.addGatewayResponse('BearerTokenRefused', {
      type: apigateway.ResponseType.UNAUTHORIZED,
      statusCode: '401',
      responseHeaders: { 'WWW-Authenticate': `'Bearer error="invalid_token"'` },
      templates: {
        'application/json':
          '{"error":"invalid_token","description":"a valid bearer token is required"}',
      },
    });
  }

  /**
   * Only `ssf-transmit` may sign (containment signals, verification events, resumed streams);
   * the key policy refuses every other principal whatever its IAM says.
   */
  private restrictSigning(signer: ResponderFunction): void {
    this.signingKey.grant(signer, 'kms:Sign', 'kms:GetPublicKey');
    this.signingKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlyTheTransmitterSigns',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:Sign'],
        resources: ['*'],
        conditions: {
          ArnNotEquals: { 'aws:PrincipalArn': signer.executionRole.roleArn },
        },
      }),
    );
  }

  private addRoutes(api: apigateway.RestApi): void {
    const integration = new apigateway.LambdaIntegration(this.ssfApi, { allowTestInvoke: false });
    const publicRoute = { authorizationType: apigateway.AuthorizationType.NONE };
    const bearer = {
      authorizationType: apigateway.AuthorizationType.CUSTOM,
      authorizer: this.authorizer,
    };
    const configuration = api.root
      .addResource('.well-known')
      .addResource('ssf-configuration')
      .addMethod('GET', integration, publicRoute);
    const ssf = api.root.addResource('ssf');
    const jwks = ssf.addResource('jwks').addMethod('GET', integration, publicRoute);
    for (const method of [configuration, jwks]) {
      acknowledgeNag(
        method,
        'AwsSolutions-APIG4',
        'SSF 1.0 requires the transmitter configuration and its public signing keys to be readable without credentials, so receivers can discover and verify the transmitter.',
      );
    }
    const streams = ssf.addResource('streams');
    for (const verb of ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'])
      streams.addMethod(verb, integration, bearer);
    const status = ssf.addResource('status');
    for (const verb of ['GET', 'POST']) status.addMethod(verb, integration, bearer);
    const subjects = ssf.addResource('subjects');
    subjects.addResource('add').addMethod('POST', integration, bearer);
    subjects.addResource('remove').addMethod('POST', integration, bearer);
    ssf.addResource('verify').addMethod('POST', integration, bearer);
    ssf.addResource('poll').addResource('{streamId}').addMethod('POST', integration, bearer);
  }
}
