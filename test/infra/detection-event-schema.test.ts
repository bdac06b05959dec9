import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DETECTION_SCHEMA_FILE,
  detectionEventSchemaDraft4,
} from '../../infra/detection-event-schema.ts';

type Node = Record<string, unknown>;

function keywords(node: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const item of node) keywords(item, found);
  else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'properties') {
        for (const property of Object.values(value as Node)) keywords(property, found);
      } else {
        found.add(key);
        keywords(value, found);
      }
    }
  }
  return found;
}

describe('detection event schema for the EventBridge registry', () => {
  const source = JSON.parse(readFileSync(DETECTION_SCHEMA_FILE, 'utf8')) as Node;
  const schema = detectionEventSchemaDraft4();
  const detail = (schema.properties as Node).detail as Node;

  it('describes the whole EventBridge event in draft 4, with the native detection as detail', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-04/schema#');
    expect(schema.required).toEqual(['detail-type', 'source', 'detail']);
    expect((schema.properties as Node)['detail-type']).toEqual({
      type: 'string',
      enum: ['Session Compromise Detected'],
    });
    expect(Object.keys(detail.properties as Node)).toEqual(Object.keys(source.properties as Node));
    expect(detail.required).toEqual(source.required);
  });

  it('leaves no keyword draft 4 does not know', () => {
    expect([...keywords(schema)].filter((k) => ['const', '$defs', 'if'].includes(k))).toEqual([]);
    expect(((detail.properties as Node).schemaVersion as Node).enum).toEqual(['1']);
  });

  it('rewrites numeric exclusive bounds into draft 4 form', () => {
    const converted = detectionEventSchemaDraft4(
      JSON.stringify({
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
        properties: { age: { type: 'number', exclusiveMinimum: 0 }, if: { const: 'x' } },
      }),
    );
    const properties = ((converted.properties as Node).detail as Node).properties as Node;
    expect(properties.age).toEqual({ type: 'number', minimum: 0, exclusiveMinimum: true });
    // A property may be called like a keyword; only keywords are rewritten.
    expect(properties.if).toEqual({ enum: ['x'] });
  });

  it('fails the synth rather than publish a schema draft 4 cannot express', () => {
    expect(() =>
      detectionEventSchemaDraft4(
        JSON.stringify({ type: 'object', $defs: { a: { type: 'string' } } }),
      ),
    ).toThrow('detection schema uses $defs, which JSON Schema draft 4 cannot express');
  });
});
