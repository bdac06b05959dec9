import { type ContainmentPolicy, parseContainmentPolicy } from '../domain/guardrails.ts';
import shippedPolicy from './containment-policy.default.json' with { type: 'json' };
import { configFrom, loadJsonConfig } from './load-json-config.ts';

function containmentPolicyFrom(input: unknown, source: string): ContainmentPolicy {
  return configFrom(input, source, parseContainmentPolicy);
}

export function loadContainmentPolicy(path: string): ContainmentPolicy {
  return loadJsonConfig(path, 'containment policy', parseContainmentPolicy);
}

/** The shipped policy: revoke automatically at every severity, isolate from high, disable at critical. */
export const defaultContainmentPolicy: ContainmentPolicy = containmentPolicyFrom(
  shippedPolicy,
  'shared/config/containment-policy.default.json',
);
