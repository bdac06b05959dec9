import * as z from 'zod/mini';
import { parseWith } from '../domain/validation.ts';
import { configFrom, jsonFrom } from './load-json-config.ts';

/** What the ssf-api's SSF_AUDIENCES variable holds (a Lambda variable; all of them share 4 KB). */
const SSF_AUDIENCES_MAX_CHARS = 3500;

/**
 * Operator configuration of each receiver's `aud` (SSF makes it transmitter-supplied): the
 * receiver's bearer-token `sub` → the audience of the streams it creates. The cdk.json
 * `ssfTransmitter.audiences` context at synth, the `SSF_AUDIENCES` variable at cold start.
 */
export const ssfAudiencesSchema = z
  .record(
    z.string().check(z.minLength(1), z.maxLength(256)),
    z.string().check(z.minLength(1), z.maxLength(1024)),
  )
  .check(
    z.refine((map) => JSON.stringify(map).length <= SSF_AUDIENCES_MAX_CHARS, {
      message: `at most ${SSF_AUDIENCES_MAX_CHARS} characters of JSON (ssf-api's SSF_AUDIENCES variable)`,
    }),
  );

export function ssfAudiencesFrom(
  text: string | undefined,
  source: string,
): ReadonlyMap<string, string> {
  if (!text) return new Map();
  const json = jsonFrom(text, source);
  const parsed = configFrom(json, source, (input) =>
    parseWith(ssfAudiencesSchema, input, 'SSF audiences'),
  );
  return new Map(Object.entries(parsed));
}
