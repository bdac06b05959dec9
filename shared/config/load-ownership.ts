import { type OwnershipMap, parseOwnershipMap } from '../domain/ownership.ts';
import { configFrom, loadJsonConfig } from './load-json-config.ts';
import shippedMap from './ownership.default.json' with { type: 'json' };

/** Validates an already-parsed map; `source` names where it came from in the error. */
export function ownershipMapFrom(input: unknown, source: string): OwnershipMap {
  return configFrom(input, source, parseOwnershipMap);
}

/** Reads and validates an ownership map from a JSON file. Throws ConfigError naming file and field. */
export function loadOwnershipMap(path: string): OwnershipMap {
  return loadJsonConfig(path, 'ownership map', parseOwnershipMap);
}

/** The map shipped with the repo: every ticket goes to a file, so local mode needs no accounts. */
export const defaultOwnershipMap: OwnershipMap = ownershipMapFrom(
  shippedMap,
  'shared/config/ownership.default.json',
);
