import { ConfigError } from '../domain/errors.ts';
import {
  parseTransmitterConfig,
  type SsfTransmitter,
  transmitterFromConfig,
} from '../sources/ssf/transmitter.ts';
import { configFrom, jsonFrom } from './load-json-config.ts';

/**
 * The shared-signals transmitters whose SETs `POST /v1/ssf/events` accepts: a JSON array of
 * `{issuer, audience, jwksUri | jwks, provider, tenantId, ...}`, from the `SSF_TRANSMITTERS`
 * variable (AWS) or the file named by `RESPONDER_SSF_TRANSMITTERS` (local mode).
 */
export function ssfTransmittersFrom(text: string | undefined, source: string): SsfTransmitter[] {
  if (!text) return [];
  const json = jsonFrom(text, source);
  if (!Array.isArray(json))
    throw new ConfigError(`${source}: expected a JSON array of transmitters`);
  return json.map((entry, index) =>
    transmitterFromConfig(configFrom(entry, `${source}[${index}]`, parseTransmitterConfig)),
  );
}
