import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { EVENT_SOURCE, type EventPublisher, type ResponderEvent } from '../../ports/events.ts';

const MAX_ENTRIES_PER_CALL = 10; // PutEvents limit
/** PutEvents accepts at most 256 KB of entries per call (and per entry). */
const MAX_BATCH_BYTES = 256 * 1024;

interface Entry {
  EventBusName: string;
  Source: string;
  DetailType: string;
  Detail: string;
}

/**
 * An entry's size as EventBridge counts it: the UTF-8 bytes of Source, DetailType and Detail
 * (no Time and no Resources are sent). https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html
 */
export function entrySize(entry: Pick<Entry, 'Source' | 'DetailType' | 'Detail'>): number {
  return (
    Buffer.byteLength(entry.Source, 'utf8') +
    Buffer.byteLength(entry.DetailType, 'utf8') +
    Buffer.byteLength(entry.Detail, 'utf8')
  );
}

/** Publishes responder events to the custom bus; a partially failed PutEvents is an error. */
export class EventBridgePublisher implements EventPublisher {
  private readonly client: EventBridgeClient;
  private readonly busName: string;

  constructor(client: EventBridgeClient, busName: string) {
    this.client = client;
    this.busName = busName;
  }

  async publish(events: readonly ResponderEvent[]): Promise<void> {
    const entries = events.map((event) => ({
      EventBusName: this.busName,
      Source: EVENT_SOURCE,
      DetailType: event.detailType,
      Detail: JSON.stringify(event.detail),
    }));
    for (const batch of batchesOf(entries)) {
      const response = await this.client.send(new PutEventsCommand({ Entries: batch }));
      if ((response.FailedEntryCount ?? 0) > 0) {
        const failures = (response.Entries ?? [])
          .map((entry, index) => ({ entry, index }))
          .filter(({ entry }) => entry.ErrorCode)
          .map(({ entry, index }) =>
            `${batch[index]?.DetailType}: ${entry.ErrorCode} ${entry.ErrorMessage ?? ''}`.trim(),
          );
        throw new Error(
          `EventBridge rejected ${response.FailedEntryCount} event(s): ${failures.join('; ')}`,
        );
      }
    }
  }
}

/**
 * Batches by size and count, in order. An entry over the limit on its own is refused here, by
 * name, before anything is sent: EventBridge would reject the whole call.
 */
export function batchesOf<T extends Entry>(entries: readonly T[]): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = entrySize(entry);
    if (size > MAX_BATCH_BYTES) {
      throw new Error(
        `the ${entry.DetailType} event is ${size} bytes, over EventBridge's ${MAX_BATCH_BYTES}-byte limit`,
      );
    }
    if (current.length >= MAX_ENTRIES_PER_CALL || bytes + size > MAX_BATCH_BYTES) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
