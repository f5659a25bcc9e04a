/** History: runs with filters, one run in detail, the run report as JSON or CSV. */
import { stringify } from 'csv-stringify/sync';
import type { RunDetail } from '../../shared/run.js';
import { badRequest, notFound } from '../services.js';
import type { HandlerGroup } from './types.js';

/** Every finding of a run goes into its report. */
const REPORT_FINDINGS = 1_000_000;

/** One table: a row per file, then a row per finding (`kind` tells which). */
export function runReportCsv(run: RunDetail): string {
  const header = ['kind', 'run', 'destination', 'status', 'file', 'rows', 'bytes', 'sha256', 'remote_path', 'severity', 'row', 'column', 'value', 'rule', 'message', 'origin'];
  const base = [String(run.id), run.destination, run.status];
  const lines: string[][] = [header];
  for (const f of run.files) lines.push(['file', ...base, f.name, String(f.rows), String(f.bytes), f.sha256, f.remotePath ?? '', '', '', '', '', '', '', '']);
  for (const f of run.findings) lines.push(['finding', ...base, f.file, '', '', '', '', f.severity, String(f.row), f.column, f.value, f.rule, f.message, f.origin ?? '']);
  return stringify(lines, { record_delimiter: 'windows' });
}

export const runHandlers: HandlerGroup<'listRuns' | 'getRun' | 'runReport'> = {
  listRuns: ({ destination, status, since, until, includePreviews, limit, offset }, { ctx }) => {
    if (includePreviews) return ctx.store.listRuns({ destination, status, since, until, limit, offset });
    // Page over real runs only: fetch pages until `limit` non-preview runs are found or history ends.
    const out = [];
    let skipped = 0;
    let cursor = 0;
    const page = Math.max(limit, 100);
    for (;;) {
      const batch = ctx.store.listRuns({ destination, status, since, until, limit: page, offset: cursor });
      for (const r of batch) {
        if (r.dryRun) continue;
        if (skipped < offset) skipped++;
        else if (out.length < limit) out.push(r);
      }
      cursor += batch.length;
      if (batch.length < page || out.length >= limit) return out;
    }
  },

  getRun: ({ id, findingsLimit }, { ctx }) => {
    const run = ctx.store.getRunDetail(id, findingsLimit);
    if (!run) throw notFound(`No run ${id}.`);
    return run;
  },

  runReport: ({ id, format }, { ctx }) => {
    const run = ctx.store.getRunDetail(id, REPORT_FINDINGS);
    if (!run) throw notFound(`No run ${id}.`);
    switch (format) {
      case 'json':
        return {
          fileName: `rostersync-run-${id}.json`,
          mimeType: 'application/json',
          contentBase64: Buffer.from(JSON.stringify(run, null, 2), 'utf8').toString('base64'),
        };
      case 'csv':
        return { fileName: `rostersync-run-${id}.csv`, mimeType: 'text/csv', contentBase64: Buffer.from(runReportCsv(run), 'utf8').toString('base64') };
      default: {
        const unknown: never = format;
        throw badRequest(`format: expected json or csv; got ${String(unknown)}.`);
      }
    }
  },
};
