import { Aws, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import type { ResponderConfig } from '../config.ts';
import { acknowledgeNag } from '../nag.ts';
import { type Containment, grantAwsIamContainment } from './containment.ts';
import type { LedgerTable } from './ledger-table.ts';
import { ResponderFunction } from './responder-function.ts';

export interface ContainmentWatchProps {
  config: ResponderConfig;
  embeddedConfig: string;
  ledger: LedgerTable;
  containment: Containment;
}

/**
 * Watch after containment: EventBridge Scheduler invokes `watch-containment` every
 * `watchIntervalMinutes`; it re-reads each identity contained within the policy's watch period
 * and records, announces and (as the policy says) re-contains what drifted. It holds the same
 * identity grants as `respond` (it may contain again), and reads only the containments index.
 * The stack lets it publish `Containment Drifted` on the bus, as it does for respond.
 */
export class ContainmentWatch extends Construct {
  readonly watch: ResponderFunction;
  readonly schedule: scheduler.Schedule;

  constructor(scope: Construct, id: string, props: ContainmentWatchProps) {
    super(scope, id);
    const { config, containment, ledger } = props;
    const interval = Duration.minutes(config.watchIntervalMinutes);
    // Reaches identities like respond does; it has no use for the state table.
    const { STATE_TABLE_NAME: _state, ...identityEnvironment } = containment.actorEnvironment;
    this.watch = new ResponderFunction(this, 'Function', {
      entry: 'functions/watch-containment/handler.ts',
      description: 'Re-checks contained identities; records, announces and re-contains drift',
      embeddedConfig: props.embeddedConfig,
      logRetentionDays: config.logRetentionDays,
      // A run ends before the next one starts; what it did not reach, the next run checks.
      timeout: Duration.minutes(Math.min(5, config.watchIntervalMinutes)),
      environment: {
        ...identityEnvironment,
        WATCH_INTERVAL_MINUTES: String(config.watchIntervalMinutes),
      },
    });
    containment.graphSecret.grantRead(this.watch);
    ledger.grantWatch(this.watch);
    grantAwsIamContainment(this.watch, [containment.respond, containment.release, this.watch]);

    // Scheduler's own role, for this schedule only (confused-deputy guard on the account).
    const invoker = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: 'Invokes watch-containment on its schedule (revocation-responder)',
    });
    const fnRef = `<${Stack.of(this).getLogicalId(this.watch.node.defaultChild as lambda.CfnFunction)}.Arn>`;
    acknowledgeNag(
      invoker,
      `AwsSolutions-IAM5[Resource::${fnRef}:*]`,
      "CDK's grantInvoke adds the function's versions (ARN:*) next to the function itself; the role can invoke watch-containment and nothing else.",
    );
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: `Watch after containment every ${config.watchIntervalMinutes} minutes`,
      schedule: scheduler.ScheduleExpression.rate(interval),
      // A run that cannot start within one interval is superseded by the next one.
      target: new targets.LambdaInvoke(this.watch, {
        role: invoker,
        maxEventAge: Duration.seconds(Math.max(60, interval.toSeconds())),
        retryAttempts: 2,
      }),
    });
  }
}
