/**
 * Remembers ids that may be accepted only once (a SET's `jti` per issuer), shared by every
 * receiver instance: memory locally, DynamoDB (conditional put with a TTL) in AWS.
 */
export interface ReplayGuard {
  /**
   * Atomically claims `key` until `expiresAt`. `true` the first time; `false` while an earlier
   * claim holds, i.e. a replay.
   */
  claim(key: string, expiresAt: Date): Promise<boolean>;
  /** Gives a claim back when what it guarded could not be handed on, so a retry is accepted. */
  release(key: string): Promise<void>;
}
