import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileTicketSystem } from '../../../shared/adapters/tickets/file/file-ticket-system.ts';
import {
  detection,
  INCIDENT_ID,
  owner,
  ticketRequest,
} from '../../unit/tickets/ticket-requests.ts';

let stateDir: string;
beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'rr-tickets-'));
});
afterEach(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

describe('file ticket adapter', () => {
  it('writes one Markdown ticket per owner team under <stateDir>/tickets/<incidentId>/', async () => {
    const system = new FileTicketSystem({ stateDir });
    const iam = await system.open(ticketRequest({ owner: owner({ system: 'file' }, 'iam-team') }));
    const endpoint = await system.open(
      ticketRequest({
        ownerRole: 'endpoint',
        owner: owner({ system: 'file' }, 'Endpoint Engineering'),
      }),
    );

    expect(iam).toMatchObject({
      system: 'file',
      ticketId: `tickets/${INCIDENT_ID}/iam-team.md`,
      created: true,
    });
    expect(endpoint.ticketId).toMatch(
      new RegExp(`^tickets/${INCIDENT_ID}/endpoint-engineering-[0-9a-f]{8}\\.md$`),
    );
    expect((await readdir(join(stateDir, 'tickets', INCIDENT_ID))).sort()).toEqual(
      [endpoint.ticketId.split('/').at(-1), 'iam-team.md'].sort(),
    );
    const text = await readFile(join(stateDir, iam.ticketId), 'utf8');
    expect(text).toContain(
      '# Session compromise of Maria Keller: failed iam.phishing-resistant-mfa',
    );
    expect(text).toContain(`\`responder ledger query --incident ${INCIDENT_ID}\``);
  });

  it('finds the existing ticket on a second open and leaves it untouched', async () => {
    const system = new FileTicketSystem({ stateDir });
    const first = await system.open(ticketRequest());
    const path = join(stateDir, first.ticketId);
    const before = await readFile(path, 'utf8');
    const second = await system.open(ticketRequest({ mode: 'simulated' }));

    expect(second).toEqual({ ...first, created: false });
    expect(await readFile(path, 'utf8')).toBe(before);
    expect(await readdir(join(stateDir, 'tickets', INCIDENT_ID))).toEqual([
      first.ticketId.split('/').at(-1),
    ]);
  });

  it('creates exactly one ticket when two deliveries race', async () => {
    const system = new FileTicketSystem({ stateDir });
    const results = await Promise.all(
      Array.from({ length: 8 }, () => system.open(ticketRequest())),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await readdir(join(stateDir, 'tickets', INCIDENT_ID))).toHaveLength(1);
  });

  it('says in the ticket which destination it stands in for', async () => {
    const system = new FileTicketSystem({
      stateDir,
      standsInFor: { system: 'jira', project: 'IAM' },
    });
    const opened = await system.open(
      ticketRequest({ owner: owner({ system: 'jira', project: 'IAM' }) }),
    );
    const text = await readFile(join(stateDir, opened.ticketId), 'utf8');
    expect(text).toContain('Stands in for Jira project IAM (not configured: written locally).');
  });

  it('names a webhook it stands in for by host only', async () => {
    const url = 'https://hooks.chat.example/services/T0/B0/secretpath';
    const system = new FileTicketSystem({ stateDir, standsInFor: { system: 'webhook', url } });
    const opened = await system.open(ticketRequest({ owner: owner({ system: 'webhook', url }) }));
    const text = await readFile(join(stateDir, opened.ticketId), 'utf8');
    expect(text).toContain('the webhook at hooks.chat.example');
    expect(text).not.toContain('secretpath');
  });

  it('puts the simulated-mode banner first', async () => {
    const system = new FileTicketSystem({ stateDir });
    const opened = await system.open(ticketRequest({ mode: 'simulated' }));
    const text = await readFile(join(stateDir, opened.ticketId), 'utf8');
    expect(text.split('\n')[0]).toMatch(
      /^> \*\*SIMULATED: containment ran against the simulated tenant/,
    );
  });

  it('escapes hostile detection text in the Markdown', async () => {
    const system = new FileTicketSystem({ stateDir });
    const opened = await system.open(
      ticketRequest({ detection: detection('detection-hostile.json') }),
    );
    const text = await readFile(join(stateDir, opened.ticketId), 'utf8');
    expect(text).not.toMatch(/[^\\]<script|[^\\]\]\(|https:\/\/evil|@here|attacker@/);
  });

  it('writes into the folder the ownership map names, inside the state folder', async () => {
    const system = new FileTicketSystem({ stateDir });
    const opened = await system.open(
      ticketRequest({ owner: owner({ system: 'file', folder: 'iam-tickets' }) }),
    );
    expect(opened.ticketId.startsWith(`iam-tickets/${INCIDENT_ID}/`)).toBe(true);
  });
});
