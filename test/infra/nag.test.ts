import { App, Stack, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Synthesized, synthesizeStack } from './support.ts';

let synthesized: Synthesized;
beforeAll(() => {
  synthesized = synthesizeStack();
});

/** Every finding cdk-nag's AwsSolutions pack reports and nobody acknowledged, by rule and path. */
function unacknowledged(scope: IConstruct): string[] {
  const report = new AwsSolutionsChecks().validateScope(scope);
  return report.violations.flatMap((violation) =>
    violation.violatingResources.map(
      (resource) => `${violation.severity} ${violation.ruleName} at ${resource.constructPath}`,
    ),
  );
}

/** Every acknowledgement recorded in the tree: rule id, reason, where. */
function acknowledgements(scope: IConstruct): { id: string; reason: string; path: string }[] {
  return scope.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          id,
          reason,
          path: construct.node.path,
        })),
      ),
  );
}

describe('cdk-nag AwsSolutions', () => {
  it('leaves no error or warning unacknowledged in the stack as cdk.json configures it', () => {
    expect(unacknowledged(synthesized.app)).toEqual([]);
  });

  it('justifies every acknowledgement in one specific sentence', () => {
    const all = acknowledgements(synthesized.app);
    expect(all.length).toBeGreaterThan(0);
    for (const { id, reason, path } of all) {
      const where = `${id} at ${path}`;
      expect(id, where).toMatch(/^(annotation::)?AwsSolutions-[A-Z]+\d+(\[.+\])?$/i);
      expect(reason, where).toMatch(/^[A-Z][\s\S]*\.$/);
      // One sentence: no full stop followed by another sentence.
      expect(reason.slice(0, -1), where).not.toMatch(/\.\s+[A-Z]/);
      expect(reason.length, where).toBeGreaterThan(60);
      expect(reason.length, where).toBeLessThan(300);
    }
  });

  it('acknowledges wildcard permissions one finding at a time, never a whole rule', () => {
    const wildcards = acknowledgements(synthesized.app).filter(({ id }) => id.includes('IAM5'));
    expect(wildcards.length).toBeGreaterThan(0);
    for (const { id } of wildcards) expect(id).toMatch(/AwsSolutions-IAM5\[Resource::.+\]$/);
  });

  it('reports a finding nobody acknowledged, so the check above can fail', () => {
    const app = new App();
    const stack = new Stack(app, 'Careless');
    new sqs.Queue(stack, 'Plain', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    expect(unacknowledged(app)).toEqual(
      expect.arrayContaining([
        'error AwsSolutions-SQS3 at Careless/Plain/Resource',
        'error AwsSolutions-SQS4 at Careless/Plain/Resource',
      ]),
    );
  });
});
