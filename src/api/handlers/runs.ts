/** History: runs with filters, one run in detail, the run report as JSON or CSV; the audit ledger and the per-student question. */
import { auditDeliveries, buildRunReport, formatRunReport, runDetail } from '../../agent/history-report.js';
import { whoReceived } from '../../agent/audit-who.js';
import { notFound } from '../services.js';
import type { HandlerGroup } from './types.js';

export const runHandlers: HandlerGroup<'listRuns' | 'getRun' | 'runReport' | 'listAudit' | 'whoReceived'> = {
  listAudit: ({ destination, since }, { ctx }) => auditDeliveries(ctx.store.listAudit({ destination, since })).reverse(),

  whoReceived: ({ studentId }, { ctx }) => whoReceived(ctx, studentId),

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
    const run = runDetail(ctx, id, findingsLimit);
    if (!run) throw notFound(`No run ${id}.`);
    return run;
  },

  /** The same report as `rostersync history export` (src/agent/history-report.ts). */
  runReport: ({ id, format }, { ctx }) => {
    const report = buildRunReport(ctx, id);
    if (!report) throw notFound(`No run ${id}.`);
    const text = formatRunReport(report, format);
    return {
      fileName: `rostersync-run-${id}.${format}`,
      mimeType: format === 'json' ? 'application/json' : 'text/csv',
      contentBase64: Buffer.from(text, 'utf8').toString('base64'),
    };
  },
};
