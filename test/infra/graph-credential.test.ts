import { describe, expect, it } from 'vitest';
import {
  actionsOf,
  environmentOf,
  logicalIdOf,
  statementsOfRole,
  synthesizeStack,
} from './support.ts';

const TENANT = '395979b2-3921-4e47-adf8-f76fc76c27fc';
const CLIENT = '6731de76-14a6-49ae-97bc-6eba6914391e';
const ACTORS = ['Respond', 'Release'];
const OTHERS = ['IntakeApi', 'OpenTickets', 'LedgerApi', 'Checkpoint'];

function roleOf(template: ReturnType<typeof synthesizeStack>['template'], name: string) {
  const path = OTHERS.includes(name) ? undefined : `Containment${name}Role`;
  const ids = Object.keys(template.findResources('AWS::IAM::Role')).filter((id) =>
    path ? id.startsWith(path) : id.includes(`${name}Role`),
  );
  return ids;
}

function functionId(template: ReturnType<typeof synthesizeStack>['template'], name: string) {
  return logicalIdOf(template, 'AWS::Lambda::Function', `Containment${name}`);
}

describe('the Graph credential in AWS', () => {
  it('federated (default): the Graph actors may mint Entra-audience tokens of 5 minutes at most, and read no Graph secret', () => {
    const { template } = synthesizeStack({ tenants: [TENANT], graphClientId: CLIENT });
    for (const name of ACTORS) {
      const [role] = roleOf(template, name);
      const statements = statementsOfRole(template, role as string);
      expect(
        statements.find((s) => s.Sid === 'FederatedGraphCredential'),
        name,
      ).toEqual({
        Sid: 'FederatedGraphCredential',
        Effect: 'Allow',
        Action: 'sts:GetWebIdentityToken',
        Resource: '*',
        Condition: {
          'ForAllValues:StringEquals': {
            'sts:IdentityTokenAudience': 'api://AzureADTokenExchange',
          },
          NumericLessThanEquals: { 'sts:DurationSeconds': 300 },
        },
      });
      // No Graph secret exists to read; the only secret a Graph actor may read is Okta's.
      const secretReads = statements.filter((s) =>
        actionsOf(s).includes('secretsmanager:GetSecretValue'),
      );
      expect(JSON.stringify(secretReads), name).not.toContain('GraphCredentials');
      for (const read of secretReads) {
        expect(JSON.stringify(read.Resource), name).toContain('ContainmentOktaCredentials');
      }
      expect(
        Object.keys(template.findResources('AWS::SecretsManager::Secret')).filter((id) =>
          id.startsWith('ContainmentGraphCredentials'),
        ),
      ).toEqual([]);
      const env = environmentOf(template, functionId(template, name));
      expect(env).toMatchObject({
        GRAPH_CREDENTIAL: 'federated',
        ENTRA_CLIENT_ID: CLIENT,
        ENTRA_TENANT_IDS: TENANT,
      });
      expect(env).not.toHaveProperty('GRAPH_SECRET_ARN');
    }
    const minting = Object.keys(template.findResources('AWS::IAM::Role')).filter((role) =>
      statementsOfRole(template, role).some((s) =>
        actionsOf(s).includes('sts:GetWebIdentityToken'),
      ),
    );
    expect(minting.map((id) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual([
      'ContainmentReleaseRole',
      'ContainmentRespondRole',
      'ContainmentWatchFunctionRole',
    ]);
    expect(template.toJSON().Outputs).not.toHaveProperty('GraphSecretArn');
  });

  it('secret: respond and release read the Graph secret and may mint no web identity token', () => {
    const { template } = synthesizeStack({ tenants: [TENANT], graphCredential: 'secret' });
    const secret = logicalIdOf(
      template,
      'AWS::SecretsManager::Secret',
      'ContainmentGraphCredentials',
    );
    for (const name of ACTORS) {
      const [role] = roleOf(template, name);
      const statements = statementsOfRole(template, role as string);
      expect(statements.flatMap(actionsOf), name).not.toContain('sts:GetWebIdentityToken');
      const reads = statements.filter(
        (s) =>
          actionsOf(s).includes('secretsmanager:GetSecretValue') &&
          JSON.stringify(s.Resource).includes(secret),
      );
      expect(reads, name).toHaveLength(1);
      expect(environmentOf(template, functionId(template, name))).toMatchObject({
        GRAPH_CREDENTIAL: 'secret',
        GRAPH_SECRET_ARN: { Ref: secret },
      });
    }
  });

  it('runs respond at 256 MB with a V8 heap cap below it', () => {
    const { template } = synthesizeStack();
    const respond = template.findResources('AWS::Lambda::Function')[
      functionId(template, 'Respond')
    ] as { Properties: { MemorySize: number } };
    expect(respond.Properties.MemorySize).toBe(256);
    expect(environmentOf(template, functionId(template, 'Respond')).NODE_OPTIONS).toBe(
      '--enable-source-maps --max-old-space-size=128 --max-semi-space-size=16',
    );
  });
});

describe('provisioned concurrency for respond', () => {
  it('is off by default: the queue invokes the function itself', () => {
    const { template } = synthesizeStack();
    expect(Object.keys(template.findResources('AWS::Lambda::Alias'))).toEqual([]);
  });

  it('when set, keeps that many instances warm on an alias the queue invokes', () => {
    const { template } = synthesizeStack({ respondProvisionedConcurrency: 2 });
    const aliases = Object.entries(template.findResources('AWS::Lambda::Alias'));
    expect(aliases).toHaveLength(1);
    const [aliasId, alias] = aliases[0] as [string, { Properties: Record<string, unknown> }];
    expect(alias.Properties.ProvisionedConcurrencyConfig).toEqual({
      ProvisionedConcurrentExecutions: 2,
    });
    const mappings = Object.values(template.findResources('AWS::Lambda::EventSourceMapping')) as {
      Properties: { FunctionName: unknown };
    }[];
    const respondMapping = mappings.filter((m) =>
      JSON.stringify(m.Properties.FunctionName).includes(aliasId),
    );
    expect(respondMapping).toHaveLength(1);
  });
});
