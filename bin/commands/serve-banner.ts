import type { LocalRuntime } from '../../shared/local/runtime.ts';

/**
 * What `responder serve` prints: where it listens, what it acts on, a ready-to-run example and
 * every route it answers, each as a full URL (`{incidentId}` to fill in). Only routes that
 * answer are listed (a test requests each one).
 */
export function serveBanner(
  server: { url: string; receivesSets: boolean },
  runtime: Pick<
    LocalRuntime,
    'mode' | 'stateDir' | 'simulatedTenant' | 'simulatedAwsIam' | 'simulatedOkta'
  >,
  dryRun: boolean,
): string {
  const url = server.url;
  const incident = `${url}/v1/incidents/{incidentId}`;
  const okta = runtime.simulatedOkta;
  return [
    `revocation-responder listening on ${url}  (mode: ${dryRun ? 'dry-run' : runtime.mode})`,
    `  Entra:   ${runtime.simulatedTenant ? 'simulated tenant (Halvorsen Freight demo seed): no real identity is touched' : 'live tenant from ENTRA_* credentials'}`,
    `  AWS:     ${runtime.simulatedAwsIam ? `simulated IAM account ${runtime.simulatedAwsIam.accountId}` : 'live IAM account RESPONDER_ACCOUNT_ID, default credential chain'}`,
    okta
      ? `  Okta:    simulated org ${okta.tenantId} at ${okta.orgUrl} (its own TLS certificate, made at start)`
      : '  Okta:    live org from OKTA_* configuration',
    ...(okta ? [`             POST ${okta.orgUrl}/oauth2/v1/token  (service-app sign-in)`] : []),
    `  state folder: ${runtime.stateDir} (ledger in DynamoDB Local, tickets/, events.ndjson)`,
    '',
    'try it:',
    `  curl -s -X POST ${url}/v1/detections -H 'content-type: application/json' --data @examples/aitm-phished-admin.json`,
    `  curl -s '${url}/v1/ledger/records?ownerTeam=Identity%20Platform'`,
    '  npx responder ledger verify',
    '',
    'intake:',
    `  POST ${url}/v1/detections`,
    ...(server.receivesSets
      ? [`  POST ${url}/v1/ssf/events  (SETs from RESPONDER_SSF_TRANSMITTERS)`]
      : []),
    'ledger:',
    `  GET  ${url}/v1/ledger/records`,
    `  GET  ${url}/v1/ledger/incidents/{incidentId}`,
    `  GET  ${url}/v1/ledger/summary`,
    `  GET  ${url}/v1/ledger/verify`,
    'auditor evidence:',
    `  GET  ${incident}/evidence`,
    `  GET  ${url}/v1/ledger/report?since=…&until=…[&format=html]`,
    'operator (x-responder-operator names who asks):',
    `  GET  ${url}/v1/incidents`,
    `  POST ${incident}/approve`,
    `  POST ${incident}/deny`,
    `  POST ${incident}/release`,
    'shared signals transmitter (management needs a token from RESPONDER_SSF_MANAGEMENT_TOKENS):',
    `  GET  ${url}/.well-known/ssf-configuration`,
    `  GET  ${url}/ssf/jwks`,
    `  GET  ${url}/ssf/streams`,
    `  GET  ${url}/ssf/status`,
    `  POST ${url}/ssf/subjects/add`,
    `  POST ${url}/ssf/subjects/remove`,
    `  POST ${url}/ssf/verify`,
    `  GET  ${url}/healthz`,
    'Ctrl-C stops.',
  ].join('\n');
}
