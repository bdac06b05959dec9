import type { LedgerReport } from '../use-cases/build-report.ts';

/** Time-to-contain buckets: upper bounds in ms (the last is open-ended). */
export const TTC_BUCKETS: ReadonlyArray<{ label: string; upToMs: number }> = [
  { label: '< 1 s', upToMs: 1_000 },
  { label: '1–5 s', upToMs: 5_000 },
  { label: '5–30 s', upToMs: 30_000 },
  { label: '30 s–2 min', upToMs: 120_000 },
  { label: '2–15 min', upToMs: 900_000 },
  { label: '15–60 min', upToMs: 3_600_000 },
  { label: '> 1 h', upToMs: Number.POSITIVE_INFINITY },
];

/** How many contained incidents fall in each bucket. */
function ttcHistogram(report: LedgerReport): number[] {
  const counts = TTC_BUCKETS.map(() => 0);
  for (const incident of report.incidents) {
    if (incident.timeToContainMs === undefined) continue;
    const index = TTC_BUCKETS.findIndex((b) => (incident.timeToContainMs as number) < b.upToMs);
    counts[index] = (counts[index] ?? 0) + 1;
  }
  return counts;
}

/**
 * One self-contained HTML file: inline CSS and SVG, no script, no external asset, so it opens
 * offline and can be filed as is. Every value from the ledger is escaped.
 */
export function renderReportHtml(report: LedgerReport): string {
  const ttc = report.timeToContain;
  const integrity = report.integrity;
  const overdue = report.tickets.filter((t) => t.state === 'overdue').length;
  const byTeam = groupFailures(report);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Revocation responder report ${esc(day(report.since))} to ${esc(day(report.until))}</title>
<style>${CSS}</style></head>
<body>
<header><h1>Stolen-session response report</h1>
<p class="period">${esc(report.since)} → ${esc(report.until)} · generated ${esc(report.generatedAt)} from the accountability ledger</p></header>
<section class="cards">
${card('Incidents', report.incidents.length, 'incidents')}
${card('Contained', ttc.contained, 'contained', ttc.p50Ms === undefined ? '' : `median ${duration(ttc.p50Ms)}`)}
${card('Not contained', ttc.notContained, 'not-contained', ttc.notContained > 0 ? 'held, skipped or failed' : '')}
${card(
  'Failed controls',
  report.failedControls.reduce((n, r) => n + r.findings, 0),
  'failed-controls',
)}
${card('Tickets overdue', overdue, 'tickets-overdue', `of ${report.tickets.length}`)}
<div class="card ${integrity.intact ? 'ok' : 'bad'}" data-field="integrity"><div class="n">${integrity.intact ? 'Intact' : 'BROKEN'}</div><div>Ledger integrity</div></div>
</section>
<section><h2>Time to contain</h2>
<p>From receipt of the detection until the last containment action that succeeded finished.
${ttc.p50Ms === undefined ? 'No incident was contained in this period.' : `Median <b data-field="ttc-p50">${duration(ttc.p50Ms)}</b>, 90th percentile <b data-field="ttc-p90">${duration(ttc.p90Ms ?? 0)}</b>, slowest <b data-field="ttc-max">${duration(ttc.maxMs ?? 0)}</b>.`}</p>
${histogramSvg(ttcHistogram(report))}
</section>
<section><h2>Failed controls by owner</h2>
${byTeam.length === 0 ? '<p>No control failed in this period.</p>' : byTeam.map(teamBlock).join('\n')}
</section>
<section><h2>Tickets against their SLA</h2>
${ticketTable(report)}
</section>
<section class="two"><div><h2>Approvals</h2>
<table class="kv"><tbody>
${kv('Held for approval', report.approvals.required, 'approvals-required')}
${kv('Granted', report.approvals.granted, 'approvals-granted')}
${kv('Denied', report.approvals.denied, 'approvals-denied')}
${kv('Expired', report.approvals.expired, 'approvals-expired')}
</tbody></table></div>
<div><h2>Releases</h2>
<table class="kv"><tbody>
${kv('Releases requested', report.releases.requested, 'releases-requested')}
${kv('Restores that succeeded', report.releases.restoreSucceeded, 'restores-succeeded')}
${kv('Restores that failed', report.releases.restoreFailed, 'restores-failed')}
</tbody></table></div></section>
<section><h2>Ledger integrity</h2>
<table class="kv"><tbody>
${kv('Status', integrity.intact ? 'intact' : `broken: ${integrity.firstProblem ?? ''}`, 'integrity-status')}
${kv('Records checked (whole ledger)', integrity.records, 'integrity-records')}
${kv('Checkpoints', integrity.checkpoints, 'integrity-checkpoints')}
${kv('Records newer than the last checkpoint', integrity.unattestedRecords, 'integrity-unattested')}
${integrity.anchoredHead ? kv('Newest signed, anchored head', `checkpoint ${integrity.anchoredHead.seq}, signed ${integrity.anchoredHead.signedAt}`, 'integrity-anchored') + kv('Signing key fingerprint (SHA-256)', integrity.anchoredHead.keyFingerprint, 'integrity-key') : kv('Newest signed, anchored head', 'none yet', 'integrity-anchored')}
</tbody></table>
<p class="note">Per incident, <code>responder evidence export &lt;incidentId&gt;</code> gives a bundle anyone can check offline with <code>responder evidence verify</code>.</p>
</section>
<section><h2>Incidents</h2>
<table><thead><tr><th>Incident</th><th>Subject</th><th>Severity</th><th>Received</th><th class="num">Time to contain</th></tr></thead><tbody>
${report.incidents.map((i) => `<tr data-incident="${esc(i.incidentId)}"><td><code>${esc(i.incidentId)}</code></td><td>${esc(i.subjectId ?? '')}</td><td>${esc(i.severity ?? '')}</td><td>${esc(i.receivedAt)}</td><td class="num" data-field="ttc-ms" data-value="${i.timeToContainMs ?? ''}">${i.timeToContainMs === undefined ? '<span class="muted">not contained</span>' : duration(i.timeToContainMs)}</td></tr>`).join('\n')}
</tbody></table></section>
</body></html>
`;
}

function groupFailures(report: LedgerReport) {
  const teams = new Map<
    string,
    { ownerRole: string; ownerTeam: string; rows: LedgerReport['failedControls'] }
  >();
  for (const row of report.failedControls) {
    const key = `${row.ownerRole}\u0000${row.ownerTeam}`;
    const team = teams.get(key) ?? { ownerRole: row.ownerRole, ownerTeam: row.ownerTeam, rows: [] };
    team.rows.push(row);
    teams.set(key, team);
  }
  return [...teams.values()].sort(
    (a, b) => a.ownerRole.localeCompare(b.ownerRole) || a.ownerTeam.localeCompare(b.ownerTeam),
  );
}

function teamBlock(team: ReturnType<typeof groupFailures>[number]): string {
  const max = Math.max(...team.rows.map((r) => r.findings));
  const rows = team.rows
    .map(
      (r) =>
        `<tr data-owner-role="${esc(r.ownerRole)}" data-owner-team="${esc(r.ownerTeam)}" data-control="${esc(r.controlId)}"><td><code>${esc(r.controlId)}</code></td><td class="bar"><span style="width:${Math.round((r.findings / max) * 100)}%"></span></td><td class="num" data-field="findings">${r.findings}</td></tr>`,
    )
    .join('\n');
  return `<h3><span class="role">${esc(team.ownerRole)}</span> ${esc(team.ownerTeam)}</h3>
<table class="controls"><thead><tr><th>Control</th><th></th><th class="num">Failed findings</th></tr></thead><tbody>
${rows}
</tbody></table>`;
}

function ticketTable(report: LedgerReport): string {
  if (report.tickets.length === 0) return '<p>No ticket was opened in this period.</p>';
  const rows = report.tickets
    .map(
      (t) =>
        `<tr data-ticket-state="${t.state}"><td>${esc(t.ownerTeam ?? '')} <span class="muted">(${esc(t.ownerRole ?? '')})</span></td><td>${esc(t.system ?? '')}</td><td><code>${esc(t.ticketId ?? '')}</code></td><td>${esc(t.dueDate ?? '')}</td><td><span class="pill ${t.state}">${t.state}</span></td></tr>`,
    )
    .join('\n');
  return `<table><thead><tr><th>Owner</th><th>System</th><th>Ticket</th><th>Due</th><th>State</th></tr></thead><tbody>
${rows}
</tbody></table>`;
}

/** A bar chart drawn from the counts: inline SVG, labelled, readable without colour. */
function histogramSvg(counts: readonly number[]): string {
  const width = 720;
  const height = 220;
  const left = 40;
  const bottom = 40;
  const top = 16;
  const max = Math.max(1, ...counts);
  const slot = (width - left) / counts.length;
  const bars = counts
    .map((count, i) => {
      const h = Math.round(((height - bottom - top) * count) / max);
      const x = Math.round(left + i * slot + slot * 0.15);
      const y = height - bottom - h;
      const w = Math.round(slot * 0.7);
      const label = TTC_BUCKETS[i]?.label ?? '';
      return `<g data-bucket="${esc(label)}" data-count="${count}"><rect x="${x}" y="${y}" width="${w}" height="${h}" rx="3" class="b"/><text x="${x + w / 2}" y="${y - 4}" text-anchor="middle" class="c">${count}</text><text x="${x + w / 2}" y="${height - bottom + 18}" text-anchor="middle" class="l">${esc(label)}</text></g>`;
    })
    .join('');
  return `<svg class="chart" role="img" aria-label="Time to contain distribution" viewBox="0 0 ${width} ${height}" width="100%" xmlns="http://www.w3.org/2000/svg"><line x1="${left}" y1="${height - bottom}" x2="${width}" y2="${height - bottom}" class="axis"/>${bars}<text x="${left}" y="${height - 6}" class="l">incidents per time-to-contain range</text></svg>`;
}

function card(title: string, value: number, field: string, sub = ''): string {
  return `<div class="card" data-field="${field}"><div class="n">${value}</div><div>${esc(title)}</div>${sub ? `<div class="muted">${esc(sub)}</div>` : ''}</div>`;
}

function kv(key: string, value: string | number, field: string): string {
  return `<tr><th>${esc(key)}</th><td data-field="${field}">${esc(String(value))}</td></tr>`;
}

function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 7_200_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

function day(iso: string): string {
  return iso.slice(0, 10);
}

function esc(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const CSS = `
:root{--ink:#1d2430;--muted:#6b7280;--line:#e5e7eb;--accent:#2f5d9f;--ok:#1f7a4d;--bad:#b42318;--warn:#b54708}
*{box-sizing:border-box}body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);max-width:1000px;margin:0 auto;padding:32px 24px;background:#fff}
h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:32px 0 10px;padding-bottom:4px;border-bottom:1px solid var(--line)}h3{font-size:15px;margin:18px 0 6px}
.period,.muted,.note{color:var(--muted)}.note{font-size:13px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(140px,1fr));gap:12px;margin-top:20px}
.card{border:1px solid var(--line);border-radius:8px;padding:12px 14px}.card .n{font-size:26px;font-weight:650}
.card.ok .n{color:var(--ok)}.card.bad .n{color:var(--bad)}
table{border-collapse:collapse;width:100%;font-size:14px}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
thead th{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}.num{text-align:right;font-variant-numeric:tabular-nums}
table.kv th{width:45%;font-weight:500}code{font:12.5px ui-monospace,SFMono-Regular,Menlo,monospace;word-break:break-all}
.bar{width:40%}.bar span{display:block;height:10px;background:var(--accent);border-radius:3px;min-width:2px}
.role{display:inline-block;font-size:11px;text-transform:uppercase;letter-spacing:.05em;background:#eef2f8;color:var(--accent);border-radius:4px;padding:1px 6px;margin-right:6px}
.pill{font-size:12px;border-radius:10px;padding:1px 8px;background:#eef2f8}.pill.overdue,.pill.failed{background:#fde8e7;color:var(--bad)}.pill.pending{background:#fef0c7;color:var(--warn)}.pill.opened{background:#e3f4ea;color:var(--ok)}
.two{display:grid;grid-template-columns:1fr 1fr;gap:24px}
svg.chart .b{fill:var(--accent)}svg.chart .c{font-size:13px;fill:var(--ink)}svg.chart .l{font-size:12px;fill:var(--muted)}svg.chart .axis{stroke:var(--line)}
@media print{body{padding:0}}
`;
