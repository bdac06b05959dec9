import { describe, expect, it } from 'vitest';
import { intakeApiDeps, openTicketsDeps } from '../../../shared/aws/runtime.ts';
import { silentLog } from '../../../shared/ports/log.ts';

/** The AWS composition root refuses, at cold start, an environment a function cannot run on. */

const TRANSMITTERS = JSON.stringify([
  {
    issuer: 'https://idp.halvorsenfreight.example/',
    audience: 'https://ir-responder.halvorsenfreight.example/ssf/receiver',
    jwksUri: 'https://idp.halvorsenfreight.example/jwks',
    provider: 'entra',
    tenantId: '395979b2-3921-4e47-adf8-f76fc76c27fc',
  },
]);

describe('intake-api dependencies', () => {
  it.each([
    [{ LEDGER_TABLE_NAME: 'ledger' }, 'RESPOND_QUEUE_URL: required'],
    [{ RESPOND_QUEUE_URL: 'https://sqs.example/q' }, 'LEDGER_TABLE_NAME'],
    [
      {
        LEDGER_TABLE_NAME: 'ledger',
        RESPOND_QUEUE_URL: 'https://sqs.example/q',
        SSF_TRANSMITTERS: TRANSMITTERS,
      },
      'STATE_TABLE_NAME: required',
    ],
    [
      {
        LEDGER_TABLE_NAME: 'ledger',
        RESPOND_QUEUE_URL: 'https://sqs.example/q',
        SSF_TRANSMITTERS: '[{}]',
      },
      'SSF_TRANSMITTERS[0]',
    ],
  ])('refuses %j, naming %s', (env, named) => {
    expect(() => intakeApiDeps(silentLog, env)).toThrow(named);
  });

  it('receives SETs only when a transmitter is configured', () => {
    const base = { LEDGER_TABLE_NAME: 'ledger', RESPOND_QUEUE_URL: 'https://sqs.example/q' };
    expect(intakeApiDeps(silentLog, base).setReceiver).toBeUndefined();
    const withSsf = { ...base, STATE_TABLE_NAME: 'state', SSF_TRANSMITTERS: TRANSMITTERS };
    expect(intakeApiDeps(silentLog, withSsf).setReceiver).toBeDefined();
  });
});

describe('open-tickets dependencies', () => {
  it.each([
    [{ LEDGER_TABLE_NAME: 'ledger' }, 'TICKET_SECRET_ARN: required'],
    [{ TICKET_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:1:secret:t' }, 'LEDGER_TABLE_NAME'],
  ])('refuses %j, naming %s, before reading any secret', async (env, named) => {
    await expect(openTicketsDeps(env)).rejects.toThrow(named);
  });
});
