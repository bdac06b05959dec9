import type {
  ActionOutcome,
  ContainmentRequest,
  ContainmentResult,
  RestoreRequest,
  VerificationResult,
} from '../domain/containment.ts';
import type { Subject } from '../domain/detection.ts';
import type { ProviderMode } from '../domain/response-mode.ts';
import type { Expectation, RecheckResult } from '../domain/watch.ts';

/**
 * Containment at an identity provider. Not shaped after any one API: Entra (Graph), AWS IAM and
 * Okta each implement it. Every method reports outcomes; none throws for a provider-side failure.
 */
export interface IdentityProvider {
  readonly provider: 'entra' | 'okta' | 'aws';
  /** `simulated` adapters act on an in-memory tenant and every output says so. */
  readonly mode: ProviderMode;
  /** Tenants this adapter holds credentials for; others are not acted on. */
  coversTenant(tenantId: string): boolean;
  contain(request: ContainmentRequest): Promise<ContainmentResult>;
  verify(request: {
    tenantId: string;
    subject: Subject;
    detectedAt: string;
  }): Promise<VerificationResult>;
  restore(request: RestoreRequest): Promise<ActionOutcome[]>;
  /**
   * Watch after containment: re-reads each expectation and reports what no longer holds. A
   * provider without it cannot be watched; the watch says so instead of guessing.
   */
  recheck?(request: {
    tenantId: string;
    subject: Subject;
    expectations: readonly Expectation[];
  }): Promise<RecheckResult>;
}
