import { canonicalJson } from '../ledger/canonical-json.ts';
import { GENESIS_HASH, hashRecord } from '../ledger/chain.ts';
import { checkSignedCheckpoint, publicKeyFingerprint } from '../ledger/signed-checkpoint.ts';
import { derivedSections, type EvidenceBundle } from './bundle.ts';

/** What can fail to hold in a bundle, named for the person holding it. */
type BundleProblem =
  | 'key other than the pinned one'
  | 'key does not match its fingerprint'
  | 'changed checkpoint'
  | 'bad signature'
  | 'checkpoint does not attest this incident'
  | 'changed record'
  | 'missing record'
  | 'broken chain'
  | 'section does not match the records';

export interface BundleVerification {
  intact: boolean;
  incidentId: string;
  records: number;
  anchoredSeq: number;
  recordsAfterAnchor: number;
  checkpointSeq: number;
  keyId: string;
  keyFingerprint: string;
  /** True when a key was pinned by the caller; otherwise the bundle's own key was used. */
  keyPinned: boolean;
  signedAt: string;
  firstProblem?: { problem: BundleProblem; detail: string };
}

/**
 * Checks a bundle with nothing but its content (and, best, a public key the auditor obtained
 * elsewhere): key, signature, the signed head, every record's hash and link, then the derived
 * sections. Reports the first thing that does not hold.
 */
export function verifyEvidenceBundle(
  bundle: EvidenceBundle,
  pinnedPublicKeyPem?: string,
): BundleVerification {
  const { anchor, records, chainProof, incidentId } = bundle;
  const summary: BundleVerification = {
    intact: true,
    incidentId,
    records: records.length,
    anchoredSeq: chainProof.anchoredSeq,
    recordsAfterAnchor: records.length - chainProof.anchoredSeq,
    checkpointSeq: anchor.checkpoint.seq,
    keyId: anchor.signature.keyId,
    keyFingerprint: anchor.signature.publicKeyFingerprint,
    keyPinned: pinnedPublicKeyPem !== undefined,
    signedAt: anchor.signature.signedAt,
  };
  const problem = firstProblem(bundle, pinnedPublicKeyPem);
  return problem ? { ...summary, intact: false, firstProblem: problem } : summary;
}

function firstProblem(
  bundle: EvidenceBundle,
  pinned: string | undefined,
): { problem: BundleProblem; detail: string } | undefined {
  const { anchor, records, chainProof, incidentId } = bundle;
  const carried = anchor.signature.publicKeyPem;
  const carriedPrint = fingerprintOrUndefined(carried);
  if (pinned !== undefined) {
    const pinnedPrint = fingerprintOrUndefined(pinned);
    if (pinnedPrint === undefined) {
      return {
        problem: 'key other than the pinned one',
        detail: 'the pinned key is not a public key',
      };
    }
    if (pinnedPrint !== carriedPrint || pinnedPrint !== bundle.publicKey.fingerprint) {
      return {
        problem: 'key other than the pinned one',
        detail: `the bundle is signed with key ${carriedPrint ?? '(unreadable)'}, the pinned key is ${pinnedPrint}`,
      };
    }
  }
  if (
    carriedPrint === undefined ||
    carriedPrint !== anchor.signature.publicKeyFingerprint ||
    carried !== bundle.publicKey.pem ||
    carriedPrint !== bundle.publicKey.fingerprint ||
    anchor.signature.keyId !== bundle.publicKey.keyId
  ) {
    return {
      problem: 'key does not match its fingerprint',
      detail: 'the public key, its fingerprint and key id in the bundle do not agree',
    };
  }
  const signature = checkSignedCheckpoint(anchor, pinned ?? carried);
  if (signature) {
    return {
      problem: signature.problem === 'checkpoint-changed' ? 'changed checkpoint' : 'bad signature',
      detail: signature.detail,
    };
  }
  const head = anchor.checkpoint.heads.find((h) => h.incidentId === incidentId);
  if (!head || head.seq !== chainProof.anchoredSeq || head.hash !== chainProof.anchoredHash) {
    return {
      problem: 'checkpoint does not attest this incident',
      detail: `signed checkpoint ${anchor.checkpoint.seq} does not attest incident ${incidentId} at record ${chainProof.anchoredSeq}`,
    };
  }
  let prevHash = GENESIS_HASH;
  for (let i = 0; i < records.length; i++) {
    const record = records[i] as (typeof records)[number];
    const expected = i + 1;
    if (record.seq !== expected || record.incidentId !== incidentId) {
      return {
        problem: 'missing record',
        detail:
          record.incidentId !== incidentId
            ? `record at position ${expected} belongs to incident ${record.incidentId}`
            : `record ${expected} is missing: the next one in the bundle is record ${record.seq}`,
      };
    }
    if (hashRecord(record) !== record.hash) {
      return {
        problem: 'changed record',
        detail: `record ${record.seq} (${record.stepKey}) does not match its hash`,
      };
    }
    if (record.prevHash !== prevHash) {
      return {
        problem: 'broken chain',
        detail: `record ${record.seq} (${record.stepKey}) does not link to record ${record.seq - 1}`,
      };
    }
    prevHash = record.hash;
  }
  const anchored = records[chainProof.anchoredSeq - 1];
  if (!anchored) {
    return {
      problem: 'missing record',
      detail: `the signed head is record ${chainProof.anchoredSeq}; the bundle ends at record ${records.length}`,
    };
  }
  if (anchored.hash !== chainProof.anchoredHash) {
    return {
      problem: 'broken chain',
      detail: `record ${anchored.seq} does not have the hash the signed checkpoint attests`,
    };
  }
  const derived = derivedSections(records);
  for (const section of ['findings', 'tickets', 'auditorMapping'] as const) {
    if (canonicalJson(derived[section]) !== canonicalJson(bundle[section])) {
      return {
        problem: 'section does not match the records',
        detail: `the ${section} section differs from what the records say`,
      };
    }
  }
  return undefined;
}

function fingerprintOrUndefined(pem: string): string | undefined {
  try {
    return publicKeyFingerprint(pem);
  } catch {
    return undefined;
  }
}
