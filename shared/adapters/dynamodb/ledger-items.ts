import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { canonicalJson } from '../../domain/ledger/canonical-json.ts';
import { sha256Hex } from '../../domain/ledger/chain.ts';
import type { IncidentHead, LedgerCheckpoint } from '../../domain/ledger/checkpoint.ts';
import type { LedgerRecord, LedgerRecordKind } from '../../domain/ledger/record.ts';
import type { StepMarker, StoredCheckpoint, StoredRecord } from '../../domain/ledger/verify.ts';
import { INCIDENT_SHARDS } from './ledger-table-definition.ts';

/**
 * How ledger records, step markers and checkpoints are laid out as DynamoDB items. Small
 * hand-written marshalling (strings and numbers only) instead of lib-dynamodb, to keep the Lambda
 * bundle small. `data` and checkpoint heads are stored as canonical JSON strings so that what is
 * read back hashes exactly as what was written.
 */
export type Item = Record<string, AttributeValue>;

export const CHECKPOINT_PK = 'CHECKPOINT';
export const RECORD_PREFIX = 'REC#';
export const STEP_PREFIX = 'STEP#';
export const CHECKPOINT_PREFIX = 'CP#';

const SEQ_DIGITS = 10;

export function incidentPk(incidentId: string): string {
  return `INC#${incidentId}`;
}

function positionKey(prefix: string, seq: number): string {
  return `${prefix}${String(seq).padStart(SEQ_DIGITS, '0')}`;
}

/** Time-ordered, unique sort key of every index: `<recordedAt>#<incidentId>#<seq>`. */
function timeKey(record: Pick<LedgerRecord, 'recordedAt' | 'incidentId' | 'seq'>): string {
  return `${record.recordedAt}#${record.incidentId}#${String(record.seq).padStart(SEQ_DIGITS, '0')}`;
}

/** `YYYY-MM` of an ISO timestamp as `Date.toISOString` writes it. */
export function monthOf(isoTimestamp: string): string {
  return isoTimestamp.slice(0, 7);
}

function incidentShard(incidentId: string): string {
  const shard = Number.parseInt(sha256Hex(incidentId).slice(0, 8), 16) % INCIDENT_SHARDS;
  return `S${String(shard).padStart(2, '0')}`;
}

export const S = (value: string): AttributeValue => ({ S: value });
const N = (value: number): AttributeValue => ({ N: String(value) });

export function readString(item: Item, name: string): string | undefined {
  const value = item[name];
  return value && 'S' in value && typeof value.S === 'string' ? value.S : undefined;
}

function readNumber(item: Item, name: string): number | undefined {
  const value = item[name];
  if (!value || !('N' in value) || typeof value.N !== 'string') return undefined;
  const parsed = Number(value.N);
  return Number.isFinite(parsed) ? parsed : undefined;
}

/** The index attributes a record must carry, derived from its content. */
function derivedAttributes(record: LedgerRecord): Record<string, string> {
  const derived: Record<string, string> = {
    at: timeKey(record),
    month: monthOf(record.recordedAt),
  };
  if (record.kind === 'finding' && record.status === 'failed') {
    derived.failedMonth = monthOf(record.recordedAt);
  }
  if (record.kind === 'containment.action' && record.status === 'succeeded') {
    derived.containedMonth = monthOf(record.recordedAt);
  }
  if (record.seq === 1) derived.incidentShard = incidentShard(record.incidentId);
  return derived;
}

const OPTIONAL_FIELDS = ['subjectId', 'ownerRole', 'ownerTeam', 'controlId', 'ticketId', 'status'];
const DERIVED_FIELDS = ['at', 'month', 'failedMonth', 'incidentShard', 'containedMonth'];

export function recordItem(record: LedgerRecord): Item {
  const item: Item = {
    pk: S(incidentPk(record.incidentId)),
    sk: S(positionKey(RECORD_PREFIX, record.seq)),
    incidentId: S(record.incidentId),
    seq: N(record.seq),
    recordedAt: S(record.recordedAt),
    kind: S(record.kind),
    stepKey: S(record.stepKey),
    data: S(canonicalJson(record.data)),
    hash: S(record.hash),
    prevHash: S(record.prevHash),
  };
  for (const field of OPTIONAL_FIELDS) {
    const value = (record as unknown as Record<string, unknown>)[field];
    if (typeof value === 'string') item[field] = S(value);
  }
  for (const [name, value] of Object.entries(derivedAttributes(record))) item[name] = S(value);
  return item;
}

export function stepMarkerItem(record: LedgerRecord): Item {
  return {
    pk: S(incidentPk(record.incidentId)),
    sk: S(`${STEP_PREFIX}${record.stepKey}`),
    stepKey: S(record.stepKey),
    seq: N(record.seq),
  };
}

/** Reads a record item back, tolerating tampering: what cannot be read is reported, not thrown. */
export function decodeRecord(item: Item): StoredRecord {
  const key = readString(item, 'sk') ?? '(no sort key)';
  const keySeq = parsePosition(key, RECORD_PREFIX);
  const missing = ['incidentId', 'recordedAt', 'kind', 'stepKey', 'data', 'hash', 'prevHash']
    .filter((name) => readString(item, name) === undefined)
    .concat(readNumber(item, 'seq') === undefined ? ['seq'] : []);
  if (missing.length > 0) {
    return {
      key,
      keySeq,
      problem: `attributes missing or of the wrong type: ${missing.join(', ')}`,
    };
  }
  let data: unknown;
  try {
    data = JSON.parse(readString(item, 'data') as string);
  } catch {
    return { key, keySeq, problem: 'data is not valid JSON' };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { key, keySeq, problem: 'data is not a JSON object' };
  }
  const record = {
    incidentId: readString(item, 'incidentId'),
    seq: readNumber(item, 'seq'),
    recordedAt: readString(item, 'recordedAt'),
    kind: readString(item, 'kind') as LedgerRecordKind,
    stepKey: readString(item, 'stepKey'),
    data,
    hash: readString(item, 'hash'),
    prevHash: readString(item, 'prevHash'),
  } as LedgerRecord;
  for (const field of OPTIONAL_FIELDS) {
    const value = readString(item, field);
    if (value !== undefined) (record as unknown as Record<string, unknown>)[field] = value;
  }
  const derived = derivedAttributes(record);
  const inconsistent = DERIVED_FIELDS.filter((name) => readString(item, name) !== derived[name]);
  return inconsistent.length === 0
    ? { key, keySeq, record }
    : {
        key,
        keySeq,
        record,
        problem: `index attributes do not match the record: ${inconsistent.join(', ')}`,
      };
}

export function decodeStepMarker(item: Item): StepMarker {
  const sk = readString(item, 'sk') ?? '';
  return { stepKey: sk.slice(STEP_PREFIX.length), seq: readNumber(item, 'seq') };
}

export function checkpointItem(checkpoint: LedgerCheckpoint): Item {
  return {
    pk: S(CHECKPOINT_PK),
    sk: S(positionKey(CHECKPOINT_PREFIX, checkpoint.seq)),
    seq: N(checkpoint.seq),
    cutoff: S(checkpoint.cutoff),
    recordedAt: S(checkpoint.recordedAt),
    heads: S(canonicalJson(checkpoint.heads)),
    hash: S(checkpoint.hash),
    prevHash: S(checkpoint.prevHash),
  };
}

export function decodeCheckpoint(item: Item): StoredCheckpoint {
  const key = readString(item, 'sk') ?? '(no sort key)';
  const keySeq = parsePosition(key, CHECKPOINT_PREFIX);
  const seq = readNumber(item, 'seq');
  const cutoff = readString(item, 'cutoff');
  const recordedAt = readString(item, 'recordedAt');
  const headsText = readString(item, 'heads');
  const hash = readString(item, 'hash');
  const prevHash = readString(item, 'prevHash');
  if (
    seq === undefined ||
    cutoff === undefined ||
    recordedAt === undefined ||
    headsText === undefined ||
    hash === undefined ||
    prevHash === undefined
  ) {
    return { key, keySeq, problem: 'checkpoint attributes missing or of the wrong type' };
  }
  let heads: IncidentHead[];
  try {
    heads = parseHeads(JSON.parse(headsText));
  } catch {
    return { key, keySeq, problem: 'checkpoint heads are not readable' };
  }
  return { key, keySeq, checkpoint: { seq, cutoff, recordedAt, heads, prevHash, hash } };
}

function parseHeads(value: unknown): IncidentHead[] {
  if (!Array.isArray(value)) throw new TypeError('heads is not an array');
  return value.map((head) => {
    const h = head as Partial<IncidentHead>;
    if (typeof h.incidentId !== 'string' || typeof h.seq !== 'number' || typeof h.hash !== 'string')
      throw new TypeError('head is malformed');
    return { incidentId: h.incidentId, seq: h.seq, hash: h.hash };
  });
}

function parsePosition(key: string, prefix: string): number | undefined {
  if (!key.startsWith(prefix)) return undefined;
  const digits = key.slice(prefix.length);
  return /^\d{10}$/.test(digits) ? Number(digits) : undefined;
}
