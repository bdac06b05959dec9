import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod/mini';
import { detectionSchema } from './detection.ts';

/**
 * Writes detection.schema.json, the JSON Schema of the native detection event, for SOAR authors
 * who validate payloads before sending them. Generated from the zod schema, never edited by hand;
 * a unit test fails when the checked-in file is stale. Run: `node shared/domain/write-detection-schema.ts`.
 */

export const DETECTION_SCHEMA_PATH = join(import.meta.dirname, 'detection.schema.json');

/** The schema text exactly as checked in (input view: unknown fields are allowed and ignored). */
export function detectionJsonSchemaText(): string {
  const { $schema, ...generated } = z.toJSONSchema(detectionSchema, { io: 'input' });
  const schema = {
    $schema,
    title: 'Session Compromise Detected (revocation-responder native detection, schemaVersion 1)',
    description:
      'The detail of an EventBridge event with detail-type "Session Compromise Detected", the body of POST /v1/detections, or a file given to the responder CLI. An absent signal means unknown, never false; unknown fields are ignored.',
    ...generated,
  };
  return `${JSON.stringify(schema, null, 2)}\n`;
}

if (import.meta.main) {
  writeFileSync(DETECTION_SCHEMA_PATH, detectionJsonSchemaText());
  process.stdout.write(`wrote ${DETECTION_SCHEMA_PATH}\n`);
}
