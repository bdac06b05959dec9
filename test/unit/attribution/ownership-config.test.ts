import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  defaultOwnershipMap,
  loadOwnershipMap,
  ownershipMapFrom,
} from '../../../shared/config/load-ownership.ts';
import shipped from '../../../shared/config/ownership.default.json' with { type: 'json' };
import { ConfigError } from '../../../shared/domain/errors.ts';
import { resolveOwners } from '../../../shared/domain/ownership.ts';
import { HALVORSEN_TENANT } from './detections.ts';

const dir = mkdtempSync(join(tmpdir(), 'ownership-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('default ownership map', () => {
  it('is the validated shipped file', () => {
    expect(defaultOwnershipMap).toEqual(shipped);
  });

  it('sends every ticket to a file so local mode needs no accounts', () => {
    const assignments = [
      ...Object.values(defaultOwnershipMap.defaults),
      defaultOwnershipMap.unknownPartner,
      ...Object.values(defaultOwnershipMap.partners ?? {}),
      ...Object.values(defaultOwnershipMap.tenants ?? {}).flatMap((t) => [
        ...Object.values(t.owners ?? {}),
        ...Object.values(t.partners ?? {}),
      ]),
    ];
    expect(assignments.length).toBeGreaterThan(4);
    for (const a of assignments) expect(a.ticket).toEqual({ system: 'file' });
  });

  it('names the partner of the partner example and overrides one Halvorsen owner', () => {
    const owners = resolveOwners(defaultOwnershipMap, {
      tenant: {
        provider: 'entra',
        tenantId: HALVORSEN_TENANT,
        partner: { name: 'Fjordline IT Services', relationship: 'gdap' },
      },
    });
    expect(owners.partner?.team).toBe('Fjordline IT Services (managed service provider)');
    expect(owners.application.team).toBe('Freight Platform Engineering');
    expect(owners.iam.team).toBe(defaultOwnershipMap.defaults.iam.team);
  });
});

describe('loadOwnershipMap', () => {
  it('loads a valid map from a file', () => {
    const path = write('ok.json', JSON.stringify(shipped));
    expect(loadOwnershipMap(path)).toEqual(defaultOwnershipMap);
  });

  it('names the file and the field of an invalid map', () => {
    const bad = structuredClone(shipped) as { defaults: { endpoint: { team: string } } };
    bad.defaults.endpoint.team = '';
    const path = write('bad-team.json', JSON.stringify(bad));
    const error = thrown(() => loadOwnershipMap(path));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain(path);
    expect(error.message).toContain('defaults.endpoint.team');
  });

  it('names the ticket destination field when a system is unknown', () => {
    const bad = structuredClone(shipped) as { defaults: { iam: { ticket: unknown } } };
    bad.defaults.iam.ticket = { system: 'carrier-pigeon' };
    const error = thrown(() => loadOwnershipMap(write('bad-system.json', JSON.stringify(bad))));
    expect(error.message).toContain('defaults.iam.ticket.system');
  });

  it('reports a missing file with its path', () => {
    const path = join(dir, 'missing.json');
    const error = thrown(() => loadOwnershipMap(path));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe(`ownership map ${path}: cannot read (ENOENT)`);
  });

  it('reports a file that is not JSON', () => {
    const path = write('not-json.json', '{ version: 1');
    const error = thrown(() => loadOwnershipMap(path));
    expect(error.message).toContain(`ownership map ${path}: not valid JSON`);
  });

  it('validates an in-memory map with the source named', () => {
    const error = thrown(() => ownershipMapFrom({ version: 2 }, 'env RESPONDER_OWNERSHIP'));
    expect(error.message).toMatch(/^env RESPONDER_OWNERSHIP: invalid ownership map: version/);
  });
});
