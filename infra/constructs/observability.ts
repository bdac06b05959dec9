import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { ResponderConfig } from '../config.ts';
import { CHECKPOINT_INTERVAL } from './ledger-checkpoint.ts';
import { METRICS_NAMESPACE, type ResponderFunction, SERVICE_NAME } from './responder-function.ts';

/** Custom metrics the responder emits with Powertools (dimension `service`). */
const RESPONDER_METRICS = {
  actionsFailed: 'ActionsFailed',
  approvalRequired: 'ApprovalRequired',
  /** Milliseconds from the event in hand to the revoke acknowledged. */
  timeToContain: 'TimeToContain',
} as const;

/** p99 time to contain above this (ms) alarms: the design target is about one Graph round trip. */
export const TIME_TO_CONTAIN_P99_THRESHOLD_MS = 1500;

export interface ObservabilityProps {
  config: ResponderConfig;
  dataKey: kms.IKey;
}

/**
 * Alarms and a dashboard. Every alarm goes to one SNS topic (encrypted, TLS only) with the
 * configured email, or to an existing topic. Missing data never alarms: no traffic is healthy.
 */
export class Observability extends Construct {
  readonly topic: sns.ITopic;
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.Alarm[] = [];
  private readonly action: actions.SnsAction;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const { config, dataKey } = props;
    if (config.alarmTopicArn) {
      this.topic = sns.Topic.fromTopicArn(this, 'AlarmTopic', config.alarmTopicArn);
    } else {
      const topic = new sns.Topic(this, 'AlarmTopic', {
        displayName: 'revocation-responder alarms',
        masterKey: dataKey,
        enforceSSL: true,
      });
      // CloudWatch publishes to the encrypted topic only if it may use the key.
      dataKey.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'CloudWatchAlarmsPublishToEncryptedTopic',
          principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
        }),
      );
      if (config.alarmEmail) {
        topic.addSubscription(new subscriptions.EmailSubscription(config.alarmEmail));
      }
      this.topic = topic;
    }
    this.action = new actions.SnsAction(this.topic);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: 'revocation-responder',
      defaultInterval: Duration.hours(24),
    });
  }

  /** Alarms when anything lands in a dead-letter queue: a detection or ticket was not handled. */
  watchDeadLetterQueue(name: string, queue: sqs.IQueue): cloudwatch.Alarm {
    return this.alarm(`${name}DeadLetters`, {
      alarmDescription: `Messages in the ${name} dead-letter queue: inspect and redrive them`,
      metric: queue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 0,
    });
  }

  /** Alarms and graphs for the respond path: errors, failed actions, approvals, time to contain. */
  watchRespond(respond: ResponderFunction): void {
    const errors = this.alarm('RespondErrors', {
      alarmDescription: 'respond Lambda errors: detections are being retried',
      metric: respond.metricErrors({
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.SUM,
      }),
      threshold: 0,
    });
    const failed = this.alarm('ContainmentFailures', {
      alarmDescription: 'Containment actions failed: a stolen session may still be live',
      metric: responderMetric(RESPONDER_METRICS.actionsFailed, cloudwatch.Stats.SUM),
      threshold: 0,
    });
    const approvals = this.alarm('ApprovalRequired', {
      alarmDescription: 'Guardrails stopped a containment: an operator must approve it',
      metric: responderMetric(RESPONDER_METRICS.approvalRequired, cloudwatch.Stats.SUM),
      threshold: 0,
    });
    this.alarm('TimeToContainP99', {
      alarmDescription: `p99 time to contain above ${TIME_TO_CONTAIN_P99_THRESHOLD_MS} ms`,
      metric: responderMetric(RESPONDER_METRICS.timeToContain, cloudwatch.Stats.p(99)),
      threshold: TIME_TO_CONTAIN_P99_THRESHOLD_MS,
    });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Time to contain (ms)',
        left: [
          responderMetric(RESPONDER_METRICS.timeToContain, cloudwatch.Stats.p(50)),
          responderMetric(RESPONDER_METRICS.timeToContain, cloudwatch.Stats.p(99)),
        ],
        leftAnnotations: [{ value: TIME_TO_CONTAIN_P99_THRESHOLD_MS, label: 'p99 alarm' }],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Failed actions and approvals',
        left: [failed.metric, approvals.metric],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'respond: invocations, errors, throttles',
        left: [
          respond.metricInvocations({ period: Duration.minutes(5) }),
          errors.metric,
          respond.metricThrottles({ period: Duration.minutes(5) }),
        ],
        width: 12,
      }),
    );
  }

  /** Alarms when a ledger checkpoint fails: records since the last one are not attested yet. */
  watchCheckpoint(checkpoint: ResponderFunction): cloudwatch.Alarm {
    return this.alarm('CheckpointErrors', {
      alarmDescription:
        'Ledger checkpoint failed: records since the last checkpoint are not attested yet',
      metric: checkpoint.metricErrors({
        // One run per interval: one period per run.
        period: CHECKPOINT_INTERVAL,
        statistic: cloudwatch.Stats.SUM,
      }),
      threshold: 0,
    });
  }

  /** One graph of every queue's depth (work and dead-letter), added once all are known. */
  graphQueues(queues: Record<string, sqs.IQueue>): void {
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Queue depth',
        left: Object.entries(queues).map(([label, queue]) =>
          queue.metricApproximateNumberOfMessagesVisible({
            label,
            period: Duration.minutes(1),
            statistic: cloudwatch.Stats.MAXIMUM,
          }),
        ),
        width: 24,
      }),
    );
  }

  /** The state of every alarm created so far, at a glance; call after the watch methods. */
  addAlarmOverview(): void {
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: [...this.alarms], width: 24 }),
    );
  }

  private alarm(
    id: string,
    props: Pick<cloudwatch.AlarmProps, 'alarmDescription' | 'metric' | 'threshold'>,
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      ...props,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.action);
    this.alarms.push(alarm);
    return alarm;
  }
}

function responderMetric(metricName: string, statistic: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: SERVICE_NAME },
    statistic,
    period: Duration.minutes(5),
  });
}
