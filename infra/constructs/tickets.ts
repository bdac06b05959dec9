import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { RESPONDER_EVENT_SOURCE, type ResponderConfig } from '../config.ts';
import { acknowledgeNag } from '../nag.ts';
import type { LedgerTable } from './ledger-table.ts';
import { WorkQueue } from './queues.ts';
import { ResponderFunction } from './responder-function.ts';

const REMEDIATION_REQUESTED = 'Remediation Requested';

const OPEN_TICKETS_TIMEOUT = Duration.seconds(60);

export interface TicketsProps {
  config: ResponderConfig;
  embeddedConfig: string;
  dataKey: kms.IKey;
  bus: events.IEventBus;
  ledger: LedgerTable;
}

/**
 * One remediation ticket per accountable owner, off the critical path: `Remediation Requested`
 * events from the responder go through their own queue, so a ticket system that is down delays
 * tickets (retried, then dead-lettered with an alarm) and never containment.
 */
export class Tickets extends Construct {
  readonly work: WorkQueue;
  readonly openTickets: ResponderFunction;
  readonly ticketSecret: secretsmanager.Secret;
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: TicketsProps) {
    super(scope, id);
    const { config, dataKey, ledger } = props;

    this.work = new WorkQueue(this, 'TicketQueue', {
      encryptionKey: dataKey,
      visibilityTimeout: Duration.seconds(OPEN_TICKETS_TIMEOUT.toSeconds() * 6),
    });

    this.rule = new events.Rule(this, 'RemediationRequested', {
      eventBus: props.bus,
      description: 'Remediation Requested per owner -> ticket queue',
      eventPattern: { source: [RESPONDER_EVENT_SOURCE], detailType: [REMEDIATION_REQUESTED] },
      targets: [
        new targets.SqsQueue(this.work.queue, { deadLetterQueue: this.work.deadLetterQueue }),
      ],
    });

    this.ticketSecret = new secretsmanager.Secret(this, 'TicketCredentials', {
      description:
        'Ticket system connections: {"jira":{"<name>":{...}},"servicenow":{...},"webhook":{...}}. Put the value after deploy.',
      encryptionKey: dataKey,
    });
    acknowledgeNag(
      this.ticketSecret,
      'AwsSolutions-SMG4',
      'Jira, ServiceNow and webhook credentials are issued by those systems and rotated there, then put here by the operator; a rotation Lambda cannot mint them.',
    );

    this.openTickets = new ResponderFunction(this, 'OpenTickets', {
      entry: 'functions/open-tickets/handler.ts',
      description: "Opens one remediation ticket per owner in that owner's ticket system",
      embeddedConfig: props.embeddedConfig,
      logRetentionDays: config.logRetentionDays,
      timeout: OPEN_TICKETS_TIMEOUT,
      environment: { TICKET_SECRET_ARN: this.ticketSecret.secretArn },
    });
    this.openTickets.addEventSource(
      new SqsEventSource(this.work.queue, { batchSize: 10, reportBatchItemFailures: true }),
    );
    this.ticketSecret.grantRead(this.openTickets);
    ledger.grantAppend(this.openTickets);
  }
}
