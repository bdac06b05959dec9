import { Duration, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { ResponderConfig } from '../config.ts';
import { acknowledgeNag } from '../nag.ts';
import { API_STAGE } from './intake.ts';
import type { LedgerTable } from './ledger-table.ts';
import { ResponderFunction } from './responder-function.ts';

/** API Gateway gives up on an integration after 29 seconds; the Lambda stops before that. */
const API_LAMBDA_TIMEOUT = Duration.seconds(28);

export interface AuditorApiProps {
  config: ResponderConfig;
  embeddedConfig: string;
  dataKey: kms.IKey;
  api: apigateway.RestApi;
  v1: apigateway.IResource;
  validator: apigateway.RequestValidator;
  ledger: LedgerTable;
  /** The `release` Lambda (containment's inverse), exposed here behind its own role. */
  release: ResponderFunction;
}

/**
 * The people-facing routes and who may call them: auditors query the ledger (read-only, through
 * `ledger-api`), operators release a contained identity after investigation (through
 * `release`). Each group gets a role allowed to invoke its routes and nothing else.
 */
export class AuditorApi extends Construct {
  readonly ledgerApi: ResponderFunction;
  readonly pageTokenSecret: secretsmanager.Secret;
  readonly auditorRole: iam.Role;
  readonly releaseOperatorRole: iam.Role;

  constructor(scope: Construct, id: string, props: AuditorApiProps) {
    super(scope, id);
    const { config, api, ledger } = props;

    // Signs page tokens so a caller cannot forge one that reads outside its query.
    this.pageTokenSecret = new secretsmanager.Secret(this, 'PageTokenKey', {
      description: 'HMAC key for revocation-responder ledger API page tokens',
      encryptionKey: props.dataKey,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    acknowledgeNag(
      this.pageTokenSecret,
      'AwsSolutions-SMG4',
      'The key only signs ledger page tokens, and a forged token could read nothing an authorized auditor cannot already query, so a rotation Lambda would add moving parts without protecting anything.',
    );

    this.ledgerApi = new ResponderFunction(this, 'LedgerApi', {
      entry: 'functions/ledger-api/handler.ts',
      description: 'Auditor queries over the accountability ledger (read-only)',
      embeddedConfig: props.embeddedConfig,
      logRetentionDays: config.logRetentionDays,
      timeout: API_LAMBDA_TIMEOUT,
      environment: { LEDGER_PAGE_TOKEN_SECRET_ARN: this.pageTokenSecret.secretArn },
    });
    ledger.grantAudit(this.ledgerApi);
    this.pageTokenSecret.grantRead(this.ledgerApi);

    const ledgerRoutes = props.v1.addResource('ledger');
    const ledgerIntegration = new apigateway.LambdaIntegration(this.ledgerApi, {
      allowTestInvoke: false,
    });
    // The routes themselves (records, incidents/{id}, summary, verify) live in the handler.
    ledgerRoutes.addResource('{proxy+}').addMethod('GET', ledgerIntegration, {
      authorizationType: apigateway.AuthorizationType.IAM,
      requestValidator: props.validator,
    });

    props.v1
      .addResource('incidents')
      .addResource('{id}')
      .addResource('release')
      .addMethod(
        'POST',
        new apigateway.LambdaIntegration(props.release, { allowTestInvoke: false }),
        {
          authorizationType: apigateway.AuthorizationType.IAM,
          requestValidator: props.validator,
          requestParameters: { 'method.request.path.id': true },
        },
      );

    const ledgerRoute = api.arnForExecuteApi('GET', '/v1/ledger/*', API_STAGE);
    const releaseRoute = api.arnForExecuteApi('POST', '/v1/incidents/*/release', API_STAGE);
    // How cdk-nag prints these ARNs: tokens become <LogicalId>.
    const apiRef = `<${Stack.of(api).getLogicalId(api.node.defaultChild as apigateway.CfnRestApi)}>`;
    const nagArn = (route: string) =>
      `Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:${apiRef}/${API_STAGE}/${route}`;
    this.auditorRole = new iam.Role(this, 'AuditorRole', {
      assumedBy: principalsFrom(config.auditorPrincipals),
      description: 'Reads the revocation-responder ledger through its API; nothing else',
    });
    this.auditorRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'QueryTheLedger',
        actions: ['execute-api:Invoke'],
        resources: [ledgerRoute],
      }),
    );
    acknowledgeNag(
      this.auditorRole,
      `AwsSolutions-IAM5[${nagArn('GET/v1/ledger/*')}]`,
      'The wildcard spans only the read-only ledger routes (records, incidents/{id}, summary, verify) of this API stage, for GET.',
    );
    this.releaseOperatorRole = new iam.Role(this, 'ReleaseOperatorRole', {
      assumedBy: principalsFrom(config.releaseOperatorPrincipals),
      description: 'Releases a contained identity after investigation; nothing else',
    });
    this.releaseOperatorRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReleaseAfterInvestigation',
        actions: ['execute-api:Invoke'],
        resources: [releaseRoute],
      }),
    );
    acknowledgeNag(
      this.releaseOperatorRole,
      `AwsSolutions-IAM5[${nagArn('POST/v1/incidents/*/release')}]`,
      'The wildcard is the incident id path parameter: an operator may release any incident, and only through this one POST route.',
    );
  }
}

function principalsFrom(configured: readonly string[]): iam.IPrincipal {
  const principals = configured.map((p) =>
    /^\d{12}$/.test(p) ? new iam.AccountPrincipal(p) : new iam.ArnPrincipal(p),
  );
  const [only] = principals;
  if (!only) return new iam.AccountRootPrincipal();
  return principals.length === 1 ? only : new iam.CompositePrincipal(...principals);
}
