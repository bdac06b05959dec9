import { InvalidInputError } from '../../domain/errors.ts';
import type { CheckpointAnchors } from '../../ports/checkpoint-signing.ts';
import { type Clock, systemClock } from '../../ports/clock.ts';
import type { LedgerReader } from '../../ports/ledger.ts';
import { buildReport } from '../../use-cases/build-report.ts';
import { EvidenceUnavailableError, exportEvidence } from '../../use-cases/export-evidence.ts';
import { parseSummaryPeriod } from '../../use-cases/summarize-ledger.ts';
import { type LedgerChainSource, verifyLedger } from '../../use-cases/verify-ledger.ts';
import { renderReportHtml } from '../report-html.ts';
import type { LedgerApiRequest } from './ledger-api.ts';

export const EVIDENCE_ROUTE = /^\/v1\/incidents\/([^/]+)\/evidence\/?$/;
export const REPORT_ROUTE = '/v1/ledger/report';

export interface EvidenceApiOptions {
  reader: LedgerReader;
  chains: LedgerChainSource;
  anchors: CheckpointAnchors;
  /** How often checkpoints are written, stated in the report's integrity section. */
  cadence: string;
  clock?: Clock;
  onError?: (error: unknown) => void;
}

const HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

/**
 * The auditor's evidence routes: `GET /v1/incidents/{incidentId}/evidence` (the bundle
 * `responder evidence export` writes) and `GET /v1/ledger/report?since&until[&format=html]`
 * (the report's data, or the HTML page itself). Read-only, like the rest of the auditor API.
 */
export function createEvidenceApi(options: EvidenceApiOptions) {
  const clock = options.clock ?? systemClock;
  return async (request: LedgerApiRequest) => {
    try {
      if (request.method !== 'GET') {
        return {
          ...json(405, { error: 'method_not_allowed' }),
          headers: { ...HEADERS, allow: 'GET' },
        };
      }
      const evidence = EVIDENCE_ROUTE.exec(request.path);
      if (evidence) {
        let incidentId: string;
        try {
          incidentId = decodeURIComponent(evidence[1] as string);
        } catch {
          throw new InvalidInputError('path', [{ path: 'incidentId', message: 'not URL-encoded' }]);
        }
        return json(200, await exportEvidence(incidentId, { ...options, clock }));
      }
      const single = Object.fromEntries(
        Object.entries(request.query).map(([k, v]) => [k, typeof v === 'string' ? v : undefined]),
      );
      const { format, ...period } = single;
      const unknown = Object.keys(period).filter((k) => k !== 'since' && k !== 'until');
      if (unknown.length > 0 || (format !== undefined && format !== 'html' && format !== 'json')) {
        throw new InvalidInputError('query parameters', [
          {
            path: unknown[0] ?? 'format',
            message: 'not a parameter of this route (since, until, format=html|json)',
          },
        ]);
      }
      const parsed = parseSummaryPeriod(period, clock.now());
      if (!parsed.ok) throw parsed.error;
      const verification = await verifyLedger(options.chains, {
        anchors: options.anchors,
        cadence: options.cadence,
      });
      const report = await buildReport(options.reader, parsed.value, verification, clock.now());
      if (format === 'html') {
        return {
          status: 200,
          headers: { ...HEADERS, 'content-type': 'text/html; charset=utf-8' },
          body: renderReportHtml(report),
        };
      }
      return json(200, report);
    } catch (error) {
      if (error instanceof InvalidInputError) {
        return json(400, {
          error: 'invalid_request',
          message: error.message,
          issues: error.issues,
        });
      }
      if (error instanceof EvidenceUnavailableError) {
        return json(error.reason === 'not-found' ? 404 : 409, {
          error: error.reason.replace('-', '_'),
          message: error.message,
        });
      }
      options.onError?.(error);
      return json(500, { error: 'internal', message: 'the evidence could not be produced' });
    }
  };
}

function json(status: number, body: unknown) {
  return { status, headers: { ...HEADERS }, body: JSON.stringify(body) };
}
