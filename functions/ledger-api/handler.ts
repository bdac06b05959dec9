import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { fromApiGateway, toApiGateway } from '../../shared/adapters/http/api-gateway.ts';
import {
  createEvidenceApi,
  EVIDENCE_ROUTE,
  REPORT_ROUTE,
} from '../../shared/adapters/http/evidence-api.ts';
import { createLedgerApi } from '../../shared/adapters/http/ledger-api.ts';
import { SecretsManagerSecretSource } from '../../shared/adapters/secrets-manager.ts';
import { anchorsFor } from '../../shared/aws/anchoring.ts';
import { ledgerFor } from '../../shared/aws/runtime.ts';
import { lambdaEnv } from '../../shared/config/lambda-env.ts';
import { lambdaLog } from '../../shared/observability.ts';

/** `ledger-api`: the auditors' read-only queries (IAM auth; this role can only read the ledger). */
const env = lambdaEnv(process.env, ['LEDGER_PAGE_TOKEN_SECRET_ARN']);
const store = ledgerFor();
const api = createLedgerApi({
  reader: store,
  chains: store,
  failures: store,
  pageTokenKey: await new SecretsManagerSecretSource().getSecretString(
    env.LEDGER_PAGE_TOKEN_SECRET_ARN,
  ),
  onError: (error) => lambdaLog.error('ledger query failed', { error: String(error) }),
});

const evidence = createEvidenceApi({
  reader: store,
  chains: store,
  anchors: anchorsFor(),
  cadence: 'every 15 min (scheduled)',
  onError: (error) => lambdaLog.error('evidence failed', { error: String(error) }),
});

export const handler = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  const request = fromApiGateway(event);
  const isEvidence = EVIDENCE_ROUTE.test(request.path) || request.path === REPORT_ROUTE;
  return toApiGateway(await (isEvidence ? evidence : api)(request));
};
