import { createHash, randomBytes } from 'node:crypto';
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { WindowCounts } from '../../domain/guardrails.ts';
import { countWindow, dropsOnSettle, type WindowEntry } from '../../domain/window-counts.ts';
import type {
  ContainmentWindow,
  WindowClaim,
  WindowClaimRequest,
} from '../../ports/containment-window.ts';
import { STATE_TTL_ATTRIBUTE } from './state-table-definition.ts';

/**
 * The blast-radius window shared by every responder instance: ONE UpdateItem per detection on
 * one item per tenant, holding a top-level attribute per incident (`@<incidentId>`), set with
 * `if_not_exists` to `<ms>|<nonce>|<source hash>`. `ALL_NEW` returns every entry serialized
 * before this update and this one, so a concurrent burst counts exactly; the nonce says whether
 * this delivery was the first. Settling (after the decision) adds the counts to the entry for
 * redeliveries and removes entries older than twice the window, a bounded number at a time.
 * An item past DynamoDB's 400 KB fails closed: every automatic action waits for approval.
 */

const SK = 'ENTRIES';
const PREFIX = '@';
/** Stale entries removed per settle: keeps the update expression well under 4 KB. */
const MAX_REMOVED_PER_SETTLE = 100;

export class DynamoDbContainmentWindow implements ContainmentWindow {
  readonly #client: DynamoDBClient;
  readonly #tableName: string;
  readonly #retentionSeconds: number;

  constructor(
    client: DynamoDBClient,
    tableName: string,
    options: { retentionSeconds?: number } = {},
  ) {
    this.#client = client;
    this.#tableName = tableName;
    this.#retentionSeconds = options.retentionSeconds ?? 7 * 24 * 3600;
  }

  async claim(request: WindowClaimRequest): Promise<WindowClaim> {
    const key = { pk: { S: `WINDOW#${request.tenantId}` }, sk: { S: SK } };
    // The nonce tells this delivery's own value from an earlier delivery's.
    const sent = `${request.at.getTime().toString(36)}|${sourceKey(request.source)}|${randomBytes(6).toString('base64url')}`;
    let item: Record<string, AttributeValue> | undefined;
    try {
      const updated = await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#tableName,
          Key: key,
          UpdateExpression: 'SET #mine = if_not_exists(#mine, :mine), #ttl = :ttl',
          ExpressionAttributeNames: {
            '#mine': `${PREFIX}${request.incidentId}`,
            '#ttl': STATE_TTL_ATTRIBUTE,
          },
          ExpressionAttributeValues: {
            ':mine': { S: sent },
            ':ttl': {
              N: String(Math.floor(request.at.getTime() / 1000) + this.#retentionSeconds),
            },
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      item = updated.Attributes;
    } catch (error) {
      if (!isItemTooLarge(error)) throw error;
      return {
        counts: {
          tenant: 0,
          source: 0,
          full: `the blast-radius window of tenant ${request.tenantId} is full (DynamoDB's 400 KB item limit), so this detection could not be counted`,
        },
        // Make room: entries older than one window no longer count for any new detection.
        settle: () => this.#prune(key, request.at.getTime() - request.windowSeconds * 1000),
      };
    }
    const entries = entriesOf(item);
    const stored = item?.[`${PREFIX}${request.incidentId}`]?.S ?? '';
    const mine = entries.find((entry) => entry.incidentId === request.incidentId);
    if (!mine) throw new Error(`blast-radius entry of ${request.incidentId} missing after update`);
    const first = stored === sent;
    const counts = countWindow(entries, mine, { ...request, first });
    return {
      counts,
      settle: async () => {
        const keepFrom = request.at.getTime() - 2 * request.windowSeconds * 1000;
        const stale = entries
          .filter((entry) => entry.atMs < keepFrom)
          .slice(0, MAX_REMOVED_PER_SETTLE);
        const mineDropped = first && dropsOnSettle(counts, request.maxPerSource);
        if (!first && stale.length === 0) return;
        await this.#settle(key, request.incidentId, stored, {
          stale,
          ...(first ? (mineDropped ? { drop: true } : { counts }) : {}),
        });
      },
    };
  }

  /** Records the first delivery's counts (or drops its entry) and removes stale entries. */
  async #settle(
    key: Record<string, AttributeValue>,
    incidentId: string,
    stored: string,
    change: { stale: WindowEntry[]; counts?: WindowCounts; drop?: boolean },
  ): Promise<void> {
    const names: Record<string, string> = { '#mine': `${PREFIX}${incidentId}` };
    const removed = change.stale.map((entry, n) => {
      names[`#s${n}`] = `${PREFIX}${entry.incidentId}`;
      return `#s${n}`;
    });
    if (change.drop) removed.push('#mine');
    const set = change.counts ? 'SET #mine = :settled ' : '';
    const remove = removed.length > 0 ? `REMOVE ${removed.join(', ')}` : '';
    try {
      await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#tableName,
          Key: key,
          UpdateExpression: `${set}${remove}`,
          // Only this delivery's own entry, as it was claimed: never another delivery's.
          ConditionExpression: '#mine = :stored',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: {
            ':stored': { S: stored },
            ...(change.counts
              ? { ':settled': { S: `${stored}|${change.counts.tenant}|${change.counts.source}` } }
              : {}),
          },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /** Removes entries older than `before` (the full window's way out), bounded per call. */
  async #prune(key: Record<string, AttributeValue>, before: number): Promise<void> {
    const read = await this.#client.send(
      new GetItemCommand({ TableName: this.#tableName, Key: key, ConsistentRead: true }),
    );
    const stale = entriesOf(read.Item)
      .filter((entry) => entry.atMs < before)
      .slice(0, MAX_REMOVED_PER_SETTLE);
    if (stale.length === 0) return;
    const names = Object.fromEntries(
      stale.map((entry, n) => [`#s${n}`, `${PREFIX}${entry.incidentId}`]),
    );
    await this.#client.send(
      new UpdateItemCommand({
        TableName: this.#tableName,
        Key: key,
        UpdateExpression: `REMOVE ${Object.keys(names).join(', ')}`,
        ExpressionAttributeNames: names,
      }),
    );
  }
}

/** A fixed-size key for the source: the entry's size does not depend on what a source calls itself. */
function sourceKey(source: string): string {
  return createHash('sha256').update(source).digest('base64url').slice(0, 12);
}

/** `<ms>|<source>|<nonce>[|<tenant>|<source count>]` per incident attribute. */
function entriesOf(item: Record<string, AttributeValue> | undefined): WindowEntry[] {
  const entries: WindowEntry[] = [];
  for (const [name, value] of Object.entries(item ?? {})) {
    if (!name.startsWith(PREFIX) || value.S === undefined) continue;
    const [at = '', source = '', , tenant, sourceCount] = value.S.split('|');
    entries.push({
      incidentId: name.slice(PREFIX.length),
      atMs: Number.parseInt(at, 36),
      source,
      ...(tenant !== undefined && sourceCount !== undefined
        ? { counts: { tenant: Number(tenant), source: Number(sourceCount) } }
        : {}),
    });
  }
  return entries;
}

function isItemTooLarge(error: unknown): boolean {
  return (
    error instanceof Error &&
    error.name === 'ValidationException' &&
    /item size/i.test(error.message)
  );
}
