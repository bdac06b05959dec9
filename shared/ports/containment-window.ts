/**
 * The blast-radius window: how many containments a tenant has had recently. Shared by every
 * responder instance (DynamoDB in AWS, memory locally), so a mass incident is seen as one.
 */
export interface ContainmentWindow {
  /**
   * Records the incident's containment (once: a redelivery of the same incident does not count
   * again and keeps its first time) and returns how many incidents the tenant recorded in the
   * `windowSeconds` ending at this incident's recorded time, this one included.
   */
  recordAndCount(
    tenantId: string,
    incidentId: string,
    at: Date,
    windowSeconds: number,
  ): Promise<number>;
}
