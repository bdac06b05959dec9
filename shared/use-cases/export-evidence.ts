import { buildEvidenceBundle, type EvidenceBundle } from '../domain/evidence/bundle.ts';
import type { LedgerRecord } from '../domain/ledger/record.ts';
import { checkSignedCheckpoint } from '../domain/ledger/signed-checkpoint.ts';
import { describeBreak, verifyIncidentChain } from '../domain/ledger/verify.ts';
import type { CheckpointAnchors } from '../ports/checkpoint-signing.ts';
import type { Clock } from '../ports/clock.ts';
import type { LedgerChainSource } from './verify-ledger.ts';

/** The bundle cannot be made: no such incident, a broken chain, or no signed anchor yet. */
export class EvidenceUnavailableError extends Error {
  override readonly name = 'EvidenceUnavailableError';
  readonly reason: 'not-found' | 'broken' | 'not-anchored';

  constructor(reason: EvidenceUnavailableError['reason'], message: string) {
    super(message);
    this.reason = reason;
  }
}

export interface ExportEvidenceDeps {
  chains: Pick<LedgerChainSource, 'incidentChain'>;
  anchors: CheckpointAnchors;
  clock: Clock;
}

/**
 * One incident's evidence bundle: its chain as stored (checked first: a broken chain is
 * reported, not exported as if it held), anchored to the newest signed checkpoint that attests
 * it. Records after that head ride along, chained but not yet signed, and the bundle says so.
 */
export async function exportEvidence(
  incidentId: string,
  deps: ExportEvidenceDeps,
): Promise<EvidenceBundle> {
  const { records: stored, markers } = await deps.chains.incidentChain(incidentId);
  if (stored.length === 0) {
    throw new EvidenceUnavailableError('not-found', `no incident ${incidentId} in the ledger`);
  }
  const broken = verifyIncidentChain(incidentId, stored, markers);
  if (broken) {
    throw new EvidenceUnavailableError(
      'broken',
      `the ledger's chain for this incident does not hold: ${describeBreak(broken)}`,
    );
  }
  const records = stored.map((item) => item.record as LedgerRecord);
  const anchored = await deps.anchors.list();
  for (let i = anchored.length - 1; i >= 0; i--) {
    const signed = anchored[i];
    if (!signed) continue;
    const head = signed.checkpoint.heads.find((h) => h.incidentId === incidentId);
    if (!head) continue;
    const bad = checkSignedCheckpoint(signed);
    if (bad) {
      throw new EvidenceUnavailableError(
        'broken',
        `anchored checkpoint ${signed.checkpoint.seq} does not hold: ${bad.detail}`,
      );
    }
    if (records[head.seq - 1]?.hash !== head.hash) {
      throw new EvidenceUnavailableError(
        'broken',
        `record ${head.seq} no longer has the hash signed checkpoint ${signed.checkpoint.seq} attests: the chain was rewritten`,
      );
    }
    return buildEvidenceBundle({
      incidentId,
      records,
      anchor: signed,
      location: deps.anchors.location,
      exportedAt: deps.clock.now().toISOString(),
    });
  }
  throw new EvidenceUnavailableError(
    'not-anchored',
    `no signed checkpoint attests incident ${incidentId} yet: checkpoints are signed every 15 minutes in AWS; locally run \`responder ledger checkpoint\``,
  );
}
