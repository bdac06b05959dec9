import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Detection, Signals } from '../../../shared/domain/detection.ts';

/** Builders for detections in attribution tests. */

export const HALVORSEN_TENANT = '395979b2-3921-4e47-adf8-f76fc76c27fc';
export const OTHER_TENANT = '0a1b2c3d-0000-4000-8000-000000000001';

export function detectionWith(
  signals: Signals,
  overrides: Partial<Omit<Detection, 'signals'>> = {},
): Detection {
  return {
    schemaVersion: '1',
    detectionId: 'test-detection-1',
    detectedAt: '2026-03-17T14:12:05Z',
    severity: 'high',
    source: { vendor: 'Test', product: 'Unit' },
    tenant: { provider: 'entra', tenantId: OTHER_TENANT },
    subject: { type: 'user', id: '1b688927-349c-4622-845d-03aefbc01f62' },
    signals,
    ...overrides,
  };
}

export const PARTNER = { name: 'Fjordline IT Services', relationship: 'gdap' } as const;

export const EXAMPLES_DIR = join(import.meta.dirname, '../../../examples');

export function exampleNames(): string[] {
  return readdirSync(EXAMPLES_DIR)
    .filter((name) => name.endsWith('.json'))
    .sort();
}

export function readExample(name: string): unknown {
  return JSON.parse(readFileSync(join(EXAMPLES_DIR, name), 'utf8'));
}
