import { describe, expect, it } from 'vitest';
import { release } from '../../../shared/use-cases/release.ts';
import { detectionFile, localRuntimeForSuite } from '../../support/local-runtime.ts';

/** Local mode on an Okta System Log detection: the simulated Okta org contains it, release restores. */

const MARIA = '00unncgl0k9KaBdRpL3L';
const { runtime } = localRuntimeForSuite('responder-okta-');

describe('local mode on Okta', () => {
  it('contains the Okta fixture against the simulated org, then release restores the roles', async () => {
    const okta = runtime().simulatedOkta;
    expect(okta).toBeDefined();
    const input = detectionFile('test/fixtures/okta/session-context-change.json');
    const response = await runtime().handle(input);
    expect(response.status).toBe('contained');
    expect(response.mode).toBe('simulated');
    const byAction = (action: string) =>
      response.containment.filter((o) => o.action === action).map((o) => o.status);
    expect(byAction('revokeSessions')).toEqual(['succeeded']);
    expect(byAction('isolatePrivilege')).toEqual(['succeeded', 'succeeded']);
    expect(okta?.state.user(MARIA)?.sessions).toEqual([]);
    expect(okta?.state.user(MARIA)?.roles).toEqual([]);

    const released = await release(
      {
        incidentId: response.incidentId,
        requestedBy: 'operator@example',
        reason: 'false positive: travelling',
      },
      runtime().operator,
    );
    expect(released.status).toBe('released');
    expect(released.status === 'released' && released.outcomes.map((o) => o.status)).toEqual([
      'succeeded',
      'succeeded',
    ]);
    expect(
      okta?.state
        .user(MARIA)
        ?.roles.map((r) => r.type)
        .sort(),
    ).toEqual(['APP_ADMIN', 'CUSTOM']);
  });

  it('reports an Okta org it holds no credentials for as not covered', async () => {
    const input = detectionFile('test/fixtures/okta/session-context-change.json');
    const other = {
      ...input,
      detection: {
        ...input.detection,
        detectionId: 'okta:other-org',
        tenant: { provider: 'okta' as const, tenantId: 'another-org' },
      },
    };
    const response = await runtime().handle(other);
    expect(response.status).toBe('notCovered');
  });
});
