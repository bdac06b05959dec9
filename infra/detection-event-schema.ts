import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NATIVE_DETAIL_TYPE } from '../shared/sources/native.ts';
import { PROJECT_ROOT, RESPONDER_EVENT_SOURCE } from './config.ts';

/**
 * The detection event's JSON Schema as the EventBridge schema registry wants it: JSON Schema
 * draft 4 (the registry's only JSON Schema type), describing the whole event a SOAR puts on the
 * bus, with the native detection (shared/domain/detection.schema.json, draft 2020-12) as
 * `detail`. Draft 4 has no `const`: it becomes a one-value `enum`.
 */

export const DETECTION_SCHEMA_FILE = join(PROJECT_ROOT, 'shared/domain/detection.schema.json');
export const DETECTION_SCHEMA_NAME = `${RESPONDER_EVENT_SOURCE}@SessionCompromiseDetected`;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function detectionEventSchemaDraft4(detailSchemaText?: string): Record<string, Json> {
  const detail = JSON.parse(detailSchemaText ?? readFileSync(DETECTION_SCHEMA_FILE, 'utf8')) as {
    [key: string]: Json;
  };
  const { $schema: _draft, title, description, ...detailBody } = detail;
  return {
    $schema: 'http://json-schema.org/draft-04/schema#',
    title: title ?? NATIVE_DETAIL_TYPE,
    description: `An EventBridge event carrying a native detection. ${description ?? ''}`.trim(),
    type: 'object',
    required: ['detail-type', 'source', 'detail'],
    properties: {
      version: { type: 'string' },
      id: { type: 'string' },
      'detail-type': { type: 'string', enum: [NATIVE_DETAIL_TYPE] },
      source: { type: 'string' },
      account: { type: 'string' },
      time: { type: 'string', format: 'date-time' },
      region: { type: 'string' },
      resources: { type: 'array', items: { type: 'string' } },
      detail: toDraft4(detailBody),
    },
  };
}

/** Rewrites the keywords draft 4 does not know; fails loudly on ones it cannot express. */
function toDraft4(node: Json): Json {
  if (Array.isArray(node)) return node.map(toDraft4);
  if (node === null || typeof node !== 'object') return node;
  const out: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'const') {
      out.enum = [value];
    } else if (key === 'exclusiveMinimum' || key === 'exclusiveMaximum') {
      if (typeof value !== 'number') throw new Error(`unexpected ${key}: ${JSON.stringify(value)}`);
      out[key === 'exclusiveMinimum' ? 'minimum' : 'maximum'] = value;
      out[key] = true;
    } else if (UNSUPPORTED.has(key)) {
      throw new Error(`detection schema uses ${key}, which JSON Schema draft 4 cannot express`);
    } else if (key === 'properties' && value !== null && typeof value === 'object') {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, v]) => [name, toDraft4(v)]));
    } else {
      out[key] = toDraft4(value);
    }
  }
  return out;
}

const UNSUPPORTED = new Set([
  '$defs',
  'prefixItems',
  'contains',
  'propertyNames',
  'if',
  'then',
  'else',
  'dependentRequired',
  'dependentSchemas',
  'unevaluatedProperties',
  'unevaluatedItems',
]);
