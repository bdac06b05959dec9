import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { EVENT_SOURCE, type EventPublisher, type ResponderEvent } from '../../ports/events.ts';

const MAX_ENTRIES_PER_CALL = 10; // PutEvents limit

/** Publishes responder events to the custom bus; a partially failed PutEvents is an error. */
export class EventBridgePublisher implements EventPublisher {
  private readonly client: EventBridgeClient;
  private readonly busName: string;

  constructor(client: EventBridgeClient, busName: string) {
    this.client = client;
    this.busName = busName;
  }

  async publish(events: readonly ResponderEvent[]): Promise<void> {
    for (let start = 0; start < events.length; start += MAX_ENTRIES_PER_CALL) {
      const batch = events.slice(start, start + MAX_ENTRIES_PER_CALL);
      const response = await this.client.send(
        new PutEventsCommand({
          Entries: batch.map((event) => ({
            EventBusName: this.busName,
            Source: EVENT_SOURCE,
            DetailType: event.detailType,
            Detail: JSON.stringify(event.detail),
          })),
        }),
      );
      if ((response.FailedEntryCount ?? 0) > 0) {
        const failures = (response.Entries ?? [])
          .map((entry, index) => ({ entry, index }))
          .filter(({ entry }) => entry.ErrorCode)
          .map(({ entry, index }) =>
            `${batch[index]?.detailType}: ${entry.ErrorCode} ${entry.ErrorMessage ?? ''}`.trim(),
          );
        throw new Error(
          `EventBridge rejected ${response.FailedEntryCount} event(s): ${failures.join('; ')}`,
        );
      }
    }
  }
}
