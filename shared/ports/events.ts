/** Events the responder emits on the bus for SOARs to follow. */
export const EVENT_SOURCE = 'revocation-responder';

export type ResponderEvent =
  | { detailType: 'Containment Completed'; detail: Record<string, unknown> }
  | { detailType: 'Remediation Requested'; detail: Record<string, unknown> }
  | { detailType: 'Approval Required'; detail: Record<string, unknown> }
  | { detailType: 'Containment Drifted'; detail: Record<string, unknown> }
  | { detailType: 'Approval Expired'; detail: Record<string, unknown> }
  | { detailType: 'Release Completed'; detail: Record<string, unknown> };

export interface EventPublisher {
  publish(events: readonly ResponderEvent[]): Promise<void>;
}
