import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import type { ResponderConfig } from './config.ts';
import { AuditorApi } from './constructs/auditor-api.ts';
import { CheckpointAnchor } from './constructs/checkpoint-anchor.ts';
import { Containment } from './constructs/containment.ts';
import { ContainmentWatch } from './constructs/containment-watch.ts';
import { Intake } from './constructs/intake.ts';
import { LedgerCheckpoint } from './constructs/ledger-checkpoint.ts';
import { LedgerTable } from './constructs/ledger-table.ts';
import { Observability } from './constructs/observability.ts';
import { OperatorApi } from './constructs/operator-api.ts';
import type { ResponderFunction } from './constructs/responder-function.ts';
import { SharedSignals } from './constructs/shared-signals.ts';
import { Tickets } from './constructs/tickets.ts';

export interface RevocationResponderStackProps extends StackProps {
  config: ResponderConfig;
}

/**
 * The whole responder in one stack, one construct per concern: intake (bus, rules, schema,
 * API), containment (respond, release), the ledger and its checkpoint, tickets, the auditor
 * and operator APIs, and observability. Cross-concern wiring (who may publish, the ledger's name) is here.
 */
export class RevocationResponderStack extends Stack {
  readonly intake: Intake;
  readonly containment: Containment;
  readonly containmentWatch: ContainmentWatch;
  readonly ledger: LedgerTable;
  readonly checkpoint: LedgerCheckpoint;
  readonly tickets: Tickets;
  readonly auditorApi: AuditorApi;
  readonly operatorApi: OperatorApi;
  readonly observability: Observability;
  /** Only when the ssfTransmitter context is set. */
  readonly sharedSignals?: SharedSignals;
  readonly functions: Record<string, ResponderFunction>;

  constructor(scope: Construct, id: string, props: RevocationResponderStackProps) {
    super(scope, id, {
      description: 'revocation-responder: contains stolen sessions, attributes, tickets, ledger',
      ...props,
    });
    const { config } = props;
    const embeddedConfig = JSON.stringify(config.embedded);

    // The responder's working data (queues, state, secrets, alarm topic); the ledger has its own.
    const dataKey = new kms.Key(this, 'DataKey', {
      description: 'Encrypts revocation-responder queues, state table, secrets and alarm topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.ledger = new LedgerTable(this, 'Ledger');
    this.checkpoint = new LedgerCheckpoint(this, 'Checkpoint', {
      config,
      embeddedConfig,
      ledger: this.ledger,
    });
    // Signed checkpoints, outside what any ledger writer can reach.
    const anchor = new CheckpointAnchor(this, 'CheckpointAnchor', {
      retentionDays: config.checkpointRetentionDays,
    });
    anchor.grantSignAndAnchor(this.checkpoint.checkpoint);
    this.checkpoint.checkpoint.addEnvironment(
      'CHECKPOINT_SIGNING_KEY_ID',
      anchor.signingKey.keyArn,
    );
    this.observability = new Observability(this, 'Observability', { config, dataKey });
    this.containment = new Containment(this, 'Containment', {
      config,
      embeddedConfig,
      dataKey,
      ledger: this.ledger,
    });
    const { respond, release } = this.containment;
    this.containmentWatch = new ContainmentWatch(this, 'ContainmentWatch', {
      config,
      embeddedConfig,
      ledger: this.ledger,
      containment: this.containment,
    });
    const { watch } = this.containmentWatch;
    this.intake = new Intake(this, 'Intake', {
      config,
      embeddedConfig,
      respondQueue: this.containment.respondQueue,
      state: this.containment.state,
      ledger: this.ledger,
      // The operator's function announces approvals' outcomes and expiries on the bus too.
      publishers: [respond.executionRole, watch.executionRole, release.executionRole],
    });
    const { bus } = this.intake;
    bus.grantPutEventsTo(respond);
    respond.addEnvironment('EVENT_BUS_NAME', bus.eventBusName);
    bus.grantPutEventsTo(watch);
    watch.addEnvironment('EVENT_BUS_NAME', bus.eventBusName);
    this.tickets = new Tickets(this, 'Tickets', {
      config,
      embeddedConfig,
      dataKey,
      bus,
      ledger: this.ledger,
    });
    this.auditorApi = new AuditorApi(this, 'AuditorApi', {
      config,
      embeddedConfig,
      dataKey,
      api: this.intake.api,
      v1: this.intake.v1,
      validator: this.intake.validator,
      ledger: this.ledger,
    });
    this.operatorApi = new OperatorApi(this, 'OperatorApi', {
      config,
      api: this.intake.api,
      v1: this.intake.v1,
      validator: this.intake.validator,
      release,
      ledger: this.ledger,
      bus,
    });
    this.auditorApi.addEvidenceRoute(this.intake.v1);
    anchor.grantRead(this.auditorApi.ledgerApi);
    for (const fn of [this.checkpoint.checkpoint, this.auditorApi.ledgerApi]) {
      fn.addEnvironment('CHECKPOINT_BUCKET_NAME', anchor.bucket.bucketName);
    }

    this.functions = {
      respond,
      release,
      intakeApi: this.intake.intakeApi,
      openTickets: this.tickets.openTickets,
      ledgerApi: this.auditorApi.ledgerApi,
      checkpoint: this.checkpoint.checkpoint,
      watchContainment: watch,
    };
    if (config.ssfTransmitter) {
      this.sharedSignals = new SharedSignals(this, 'SharedSignals', {
        config,
        transmitter: config.ssfTransmitter,
        embeddedConfig,
        dataKey,
        api: this.intake.api,
        state: this.containment.state,
        ledger: this.ledger,
        bus,
      });
      const { transmit, ssfApi, authorizerFunction } = this.sharedSignals;
      Object.assign(this.functions, {
        ssfTransmit: transmit,
        ssfApi,
        ssfAuthorizer: authorizerFunction,
      });
    }
    // Every function records in (or reads) the ledger; the rest of each environment is set
    // next to the grant it goes with.
    for (const fn of Object.values(this.functions)) {
      fn.addEnvironment('LEDGER_TABLE_NAME', this.ledger.table.tableName);
    }

    const { observability } = this;
    observability.watchDeadLetterQueue('Respond', this.containment.respondQueue.deadLetterQueue);
    if (this.sharedSignals)
      observability.watchDeadLetterQueue('SharedSignals', this.sharedSignals.work.deadLetterQueue);
    observability.watchDeadLetterQueue('Tickets', this.tickets.work.deadLetterQueue);
    observability.watchRespond(respond);
    observability.watchCheckpoint(this.checkpoint.checkpoint);
    observability.graphQueues({
      respond: this.containment.respondQueue.queue,
      'respond DLQ': this.containment.respondQueue.deadLetterQueue,
      tickets: this.tickets.work.queue,
      'tickets DLQ': this.tickets.work.deadLetterQueue,
    });
    observability.addAlarmOverview();

    new CfnOutput(this, 'ApiUrl', { value: this.intake.api.url });
    new CfnOutput(this, 'EventBusName', { value: bus.eventBusName });
    const graphSecret = this.containment.graphSecret;
    if (graphSecret) new CfnOutput(this, 'GraphSecretArn', { value: graphSecret.secretArn });
    new CfnOutput(this, 'OktaSecretArn', { value: this.containment.oktaSecret.secretArn });
    new CfnOutput(this, 'TicketSecretArn', { value: this.tickets.ticketSecret.secretArn });
    new CfnOutput(this, 'AuditorRoleArn', { value: this.auditorApi.auditorRole.roleArn });
    new CfnOutput(this, 'ReleaseOperatorRoleArn', {
      value: this.operatorApi.releaseOperatorRole.roleArn,
    });
    new CfnOutput(this, 'LedgerTableName', { value: this.ledger.table.tableName });
    new CfnOutput(this, 'CheckpointSigningKeyArn', { value: anchor.signingKey.keyArn });
    new CfnOutput(this, 'CheckpointBucketName', { value: anchor.bucket.bucketName });
    new CfnOutput(this, 'AlarmTopicArn', { value: observability.topic.topicArn });
  }
}
