import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import type { ResponderConfig } from '../config.ts';
import type { LedgerTable } from './ledger-table.ts';
import { ResponderFunction } from './responder-function.ts';

/** How often the heads of changed incidents are chained into a checkpoint. */
export const CHECKPOINT_INTERVAL = Duration.minutes(15);

export interface LedgerCheckpointProps {
  config: ResponderConfig;
  embeddedConfig: string;
  ledger: LedgerTable;
}

/**
 * The ledger's tamper evidence over time: every 15 minutes `checkpoint` attests the heads of the
 * incidents that changed since the last checkpoint, in a chain of its own. It may append and
 * query the indexes, never update or delete; a failed run is caught up by the next one.
 */
export class LedgerCheckpoint extends Construct {
  readonly checkpoint: ResponderFunction;
  readonly schedule: events.Rule;

  constructor(scope: Construct, id: string, props: LedgerCheckpointProps) {
    super(scope, id);
    this.checkpoint = new ResponderFunction(this, 'Function', {
      entry: 'functions/checkpoint/handler.ts',
      description: 'Chains the heads of incidents that changed into a ledger checkpoint',
      embeddedConfig: props.embeddedConfig,
      logRetentionDays: props.config.logRetentionDays,
      // The first run attests every incident; later runs only those changed in 15 minutes.
      timeout: Duration.minutes(5),
    });
    props.ledger.grantCheckpoint(this.checkpoint);

    this.schedule = new events.Rule(this, 'Schedule', {
      description: 'Ledger checkpoint every 15 minutes',
      schedule: events.Schedule.rate(CHECKPOINT_INTERVAL),
      // A run that cannot start within one interval is superseded by the next one.
      targets: [
        new targets.LambdaFunction(this.checkpoint, {
          maxEventAge: CHECKPOINT_INTERVAL,
          retryAttempts: 2,
        }),
      ],
    });
  }
}
