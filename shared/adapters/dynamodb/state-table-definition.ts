import type { TableDefinition } from './ledger-table-definition.ts';

/**
 * The responder's working state, one table with a TTL, kept apart from the append-only ledger:
 * - idempotency records (Powertools Idempotency): pk `idempotency#respond`, sk `<incidentId hash>`
 * - blast-radius window: pk `WINDOW#<tenantId>`, sk `INC#<incidentId>` (marker) and
 *   `AT#<iso time>#<incidentId>` (time-ordered, counted with one Query)
 * - claimed SET ids: pk `REPLAY#<issuer>|<jti>`, sk `claim` (spread: no hot partition)
 * Used by the CDK construct and by CreateTable in tests and local mode.
 */
export const STATE_TABLE: TableDefinition = {
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  billingMode: 'PAY_PER_REQUEST',
  globalSecondaryIndexes: [],
};

/** Epoch seconds after which DynamoDB's TTL removes an item (Powertools' default name). */
export const STATE_TTL_ATTRIBUTE = 'expiration';
