import { describe, expect, it } from 'vitest';
import { LEDGER_INDEX } from '../../shared/adapters/dynamodb/ledger-table-definition.ts';
import {
  actionsOf,
  type CfnResource,
  environmentOf,
  logicalIdOf,
  type PolicyStatement,
  refersTo,
  resourcesOf,
  statementsOfRole,
  synthesizeDefaultStack,
  synthesizeStack,
} from './support.ts';

/** Watch after containment in AWS: the schedule, its target and what each role may do. */

const FUNCTION = 'ContainmentWatchFunction';

function schedules(template: ReturnType<typeof synthesizeDefaultStack>['template']) {
  return Object.values(template.findResources('AWS::Scheduler::Schedule')) as CfnResource[];
}

describe('watch-containment schedule', () => {
  const { template } = synthesizeDefaultStack();
  const fn = logicalIdOf(template, 'AWS::Lambda::Function', FUNCTION);

  it('invokes watch-containment every 15 minutes (cdk.json) from EventBridge Scheduler', () => {
    const [schedule, ...others] = schedules(template);
    expect(others).toEqual([]);
    expect(schedule?.Properties.ScheduleExpression).toBe('rate(15 minutes)');
    expect(schedule?.Properties.State).toBe('ENABLED');
    const target = schedule?.Properties.Target as {
      Arn: unknown;
      RoleArn: unknown;
      RetryPolicy: { MaximumEventAgeInSeconds: number; MaximumRetryAttempts: number };
    };
    expect(refersTo(target.Arn, fn)).toBe(true);
    expect(target.RetryPolicy).toEqual({ MaximumEventAgeInSeconds: 900, MaximumRetryAttempts: 2 });
    expect(environmentOf(template, fn).WATCH_INTERVAL_MINUTES).toBe('15');
  });

  it('follows watchIntervalMinutes from the context, and refuses one out of range', () => {
    const { template: five } = synthesizeStack({ watchIntervalMinutes: 5 });
    expect(schedules(five)[0]?.Properties.ScheduleExpression).toBe('rate(5 minutes)');
    expect(() => synthesizeStack({ watchIntervalMinutes: 0 })).toThrow(/watchIntervalMinutes/);
  });

  it("gives the scheduler's role, trusted by Scheduler in this account only, invoke on watch-containment alone", () => {
    const [schedule] = schedules(template);
    if (!schedule) throw new Error('expected the watch schedule');
    const roleArn = (schedule.Properties.Target as { RoleArn: { 'Fn::GetAtt': [string] } }).RoleArn;
    const roleId = roleArn['Fn::GetAtt'][0];
    const role = template.findResources('AWS::IAM::Role')[roleId] as CfnResource;
    const trust = (role.Properties.AssumeRolePolicyDocument as { Statement: PolicyStatement[] })
      .Statement;
    expect(trust).toEqual([
      expect.objectContaining({
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      }),
    ]);
    const statements = statementsOfRole(template, roleId);
    expect(statements.flatMap(actionsOf)).toEqual(['lambda:InvokeFunction']);
    for (const resource of statements.flatMap(resourcesOf)) {
      expect(JSON.stringify(resource)).toContain(fn);
    }
  });

  it('lets watch-containment append to the ledger and query only the containments index', () => {
    const statements = statementsOfRole(
      template,
      logicalIdOf(template, 'AWS::IAM::Role', `${FUNCTION}Role`),
    );
    const allowed = statements.filter((s) => s.Effect === 'Allow');
    const dynamo = new Set(allowed.flatMap(actionsOf).filter((a) => a.startsWith('dynamodb:')));
    expect(dynamo).toEqual(
      new Set([
        'dynamodb:PutItem',
        'dynamodb:ConditionCheckItem',
        'dynamodb:Query',
        'dynamodb:GetItem',
      ]),
    );
    const indexes = allowed
      .flatMap(resourcesOf)
      .map((r) => JSON.stringify(r))
      .filter((r) => r.includes('/index/'));
    expect(indexes).toHaveLength(1);
    expect(indexes[0]).toContain(`/index/${LEDGER_INDEX.containments}`);
    const denied = statements.filter((s) => s.Effect === 'Deny').flatMap(actionsOf);
    expect(denied).toEqual(expect.arrayContaining(['dynamodb:UpdateItem', 'dynamodb:DeleteItem']));
    // It re-checks and re-contains like respond: Graph secret, IAM containment, the bus.
    const actions = allowed.flatMap(actionsOf);
    expect(actions).toEqual(
      expect.arrayContaining([
        'secretsmanager:GetSecretValue',
        'iam:GetRolePolicy',
        'iam:PutRolePolicy',
        'iam:ListAccessKeys',
        'iam:UpdateAccessKey',
        'events:PutEvents',
      ]),
    );
    expect(actions.some((a) => /^(sqs|lambda):/.test(a))).toBe(false);
  });
});
