import { Duration } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { ResponderConfig } from '../config.ts';
import { acknowledgeNag } from '../nag.ts';
import type { LedgerTable } from './ledger-table.ts';
import { ResponderFunction } from './responder-function.ts';
import { routeInvokerRole } from './route-invoker-role.ts';

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
}

/**
 * The auditors' routes and who may call them: the ledger queries (read-only, through
 * `ledger-api`) behind a role allowed to invoke those routes and nothing else. The operators'
 * routes are in operator-api.ts.
 */
export class AuditorApi extends Construct {
  readonly ledgerApi: ResponderFunction;
  readonly pageTokenSecret: secretsmanager.Secret;
  readonly auditorRole: iam.Role;

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

    this.auditorRole = routeInvokerRole(this, 'AuditorRole', {
      api,
      principals: config.auditorPrincipals,
      description: 'Reads the revocation-responder ledger through its API; nothing else',
      sid: 'QueryTheLedger',
      method: 'GET',
      route: '/v1/ledger/*',
      wildcardReason:
        'The wildcard spans only the read-only ledger routes (records, incidents/{id}, summary, verify) of this API stage, for GET.',
    });
  }
}
