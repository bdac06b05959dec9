import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { signalsSchema } from '../../../shared/domain/detection.ts';
import {
  DETECTION_SCHEMA_PATH,
  detectionJsonSchemaText,
} from '../../../shared/domain/write-detection-schema.ts';

const checkedIn = readFileSync(DETECTION_SCHEMA_PATH, 'utf8');

describe('detection JSON Schema (shared/domain/detection.schema.json)', () => {
  it('is in sync with the zod schema (regenerate: node shared/domain/write-detection-schema.ts)', () => {
    expect(checkedIn).toBe(detectionJsonSchemaText());
  });

  it('describes every contract signal and the required top-level fields', () => {
    const schema = JSON.parse(checkedIn);
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.required).toEqual(
      expect.arrayContaining([
        'schemaVersion',
        'detectionId',
        'detectedAt',
        'severity',
        'source',
        'tenant',
        'subject',
      ]),
    );
    expect(Object.keys(schema.properties.signals.properties).sort()).toEqual(
      Object.keys(signalsSchema.shape).sort(),
    );
    expect(schema.properties.signals.required).toBeUndefined();
  });

  it('lets senders add fields, as the contract ignores unknown fields', () => {
    expect(checkedIn).not.toContain('"additionalProperties": false');
  });
});
