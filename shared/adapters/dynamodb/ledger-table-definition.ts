import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * The ledger table, as plain data: the ONE definition both the CDK construct
 * (infra/constructs/ledger-table.ts) and CreateTable in tests and local mode are built from.
 *
 * Items (all under the same key schema):
 * - record:      pk `INC#<incidentId>`, sk `REC#<seq, 10 digits>`
 * - step marker: pk `INC#<incidentId>`, sk `STEP#<stepKey>` (idempotency: one per step)
 * - checkpoint:  pk `CHECKPOINT`,       sk `CP#<seq, 10 digits>`
 *
 * Every index is sparse (only items carrying its key attributes appear in it) and sorted by
 * `at` = `<recordedAt>#<incidentId>#<seq>`, so each access pattern is one Query over a time range.
 */
export interface KeyAttribute {
  name: string;
  type: 'S' | 'N';
}

interface IndexDefinition {
  indexName: string;
  partitionKey: KeyAttribute;
  sortKey: KeyAttribute;
  projection: 'ALL' | 'KEYS_ONLY';
}

export interface TableDefinition {
  partitionKey: KeyAttribute;
  sortKey: KeyAttribute;
  billingMode: 'PAY_PER_REQUEST';
  globalSecondaryIndexes: readonly IndexDefinition[];
}

const at: KeyAttribute = { name: 'at', type: 'S' };

/** Index names, used by the store to route a query. */
export const LEDGER_INDEX = {
  byOwnerTeam: 'byOwnerTeam',
  byOwnerRole: 'byOwnerRole',
  byControl: 'byControl',
  bySubject: 'bySubject',
  byTicket: 'byTicket',
  /** Every record, by calendar month (`YYYY-MM`): time-range queries and checkpoint windows. */
  byMonth: 'byMonth',
  /** Failed findings only, by month: the auditor summary reads nothing else. */
  failuresByMonth: 'failuresByMonth',
  /** The first record of each incident, spread over a fixed number of shards: lists incidents. */
  incidents: 'incidents',
  /** Succeeded containment actions only, by month: the incidents the watch re-checks. */
  containments: 'containments',
} as const;

export const LEDGER_TABLE: TableDefinition = {
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  billingMode: 'PAY_PER_REQUEST',
  globalSecondaryIndexes: [
    index(LEDGER_INDEX.byOwnerTeam, 'ownerTeam'),
    index(LEDGER_INDEX.byOwnerRole, 'ownerRole'),
    index(LEDGER_INDEX.byControl, 'controlId'),
    index(LEDGER_INDEX.bySubject, 'subjectId'),
    index(LEDGER_INDEX.byTicket, 'ticketId'),
    index(LEDGER_INDEX.byMonth, 'month'),
    index(LEDGER_INDEX.failuresByMonth, 'failedMonth'),
    index(LEDGER_INDEX.incidents, 'incidentShard', 'KEYS_ONLY'),
    index(LEDGER_INDEX.containments, 'containedMonth', 'KEYS_ONLY'),
  ],
};

/** How many `incidentShard` values exist; listing incidents is one Query per shard. */
export const INCIDENT_SHARDS = 16;

function index(
  indexName: string,
  partitionKey: string,
  projection: IndexDefinition['projection'] = 'ALL',
): IndexDefinition {
  return { indexName, partitionKey: { name: partitionKey, type: 'S' }, sortKey: at, projection };
}

/** Every attribute a key or index uses, each once, as CreateTable and CloudFormation want them. */
function attributeDefinitions(definition: TableDefinition = LEDGER_TABLE): KeyAttribute[] {
  const all = [
    definition.partitionKey,
    definition.sortKey,
    ...definition.globalSecondaryIndexes.flatMap((i) => [i.partitionKey, i.sortKey]),
  ];
  return [...new Map(all.map((a) => [a.name, a])).values()];
}

/** CreateTable input for tests and local mode (DynamoDB Local). */
export function createTableInput(
  tableName: string,
  definition: TableDefinition = LEDGER_TABLE,
): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: definition.billingMode,
    AttributeDefinitions: attributeDefinitions(definition).map((a) => ({
      AttributeName: a.name,
      AttributeType: a.type,
    })),
    KeySchema: [
      { AttributeName: definition.partitionKey.name, KeyType: 'HASH' },
      { AttributeName: definition.sortKey.name, KeyType: 'RANGE' },
    ],
    // DynamoDB rejects an empty index list: a table without indexes omits it.
    ...(definition.globalSecondaryIndexes.length > 0
      ? {
          GlobalSecondaryIndexes: definition.globalSecondaryIndexes.map((i) => ({
            IndexName: i.indexName,
            KeySchema: [
              { AttributeName: i.partitionKey.name, KeyType: 'HASH' },
              { AttributeName: i.sortKey.name, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: i.projection },
          })),
        }
      : {}),
  };
}
