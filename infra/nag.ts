import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges one cdk-nag finding on a construct (and everything under it) with its reason.
 * Every acknowledgement in this app goes through here, next to the resource it concerns, and
 * says in one sentence why the finding is acceptable for this product.
 */
export function acknowledgeNag(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}
