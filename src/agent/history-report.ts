/**
 * Run reports for auditors and support (JSON or CSV), history pruning, and the audit ledger as
 * people read it. Pruning removes run records (and their kept files), never the audit ledger:
 * what was delivered where stays answerable for as long as the district keeps the store.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { AgentContext } from '../home/context.js';
import type { AuditEntry } from '../store/store.js';
import type { AuditDelivery } from '../shared/audit.js';
import { filesRetentionOf } from '../pipeline/retention.js';

export type { AuditDelivery } from '../shared/audit.js';
import type { RunDetail } from '../shared/run.js';

export const REPORT_FORMATS = ['json', 'csv'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface RunReport extends RunDetail {
  readonly reportVersion: 1;
  readonly generatedAt: string;
  /** Deliveries of this run as the audit ledger recorded them. */
  readonly deliveries: readonly AuditEntry[];
}

/** One run as the run page and `history show` show it: its record with where its generated files stand. */
export function runDetail(ctx: AgentContext, runId: number, findingsLimit?: number): RunDetail | undefined {
  const detail = ctx.store.getRunDetail(runId, findingsLimit);
  return detail && { ...detail, filesRetention: filesRetentionOf(ctx.store, ctx.layout.runsDir, detail, detail.events) };
}

/** Everything known about one run: all findings (not only the first 500), events, files, diff, deliveries. */
export function buildRunReport(ctx: AgentContext, runId: number, now = new Date()): RunReport | undefined {
  const detail = runDetail(ctx, runId, -1);
  if (!detail) return undefined;
  const deliveries = ctx.store.listAudit({ destination: detail.destination }).filter((a) => a.runId === runId);
  return { reportVersion: 1, generatedAt: now.toISOString(), ...detail, deliveries };
}

/**
 * The report as one CSV table in long form — `section,item,field,value` — so every fact is a row
 * a spreadsheet can filter: run fields, stage timings, files, diff counts, hold reasons,
 * findings (item = "file row N column", field = "severity:rule"), events, deliveries.
 */
export function runReportCsv(report: RunReport): string {
  const rows: (string | number | boolean | null)[][] = [['section', 'item', 'field', 'value']];
  const run = (field: string, value: string | number | boolean | null): void => void rows.push(['run', String(report.id), field, value]);
  run('destination', report.destination);
  run('trigger', report.trigger);
  run('status', report.status);
  run('preview', report.dryRun);
  run('startedAt', report.startedAt);
  run('endedAt', report.endedAt);
  run('rows', report.rows);
  run('errors', report.errors);
  run('warnings', report.warnings);
  run('findingsTotal', report.findingsTotal);
  run('message', report.message);
  run('generatedAt', report.generatedAt);
  for (const [stage, ms] of Object.entries(report.stageTimings)) rows.push(['stage', stage, 'ms', ms]);
  for (const f of report.files) {
    rows.push(['file', f.name, 'rows', f.rows], ['file', f.name, 'bytes', f.bytes], ['file', f.name, 'sha256', f.sha256]);
    if (f.remotePath) rows.push(['file', f.name, 'remotePath', f.remotePath]);
    if (f.attempts) rows.push(['file', f.name, 'attempts', f.attempts]);
    if (f.durationMs !== null && f.durationMs !== undefined) rows.push(['file', f.name, 'durationMs', f.durationMs]);
    rows.push(['file', f.name, 'personalColumns', f.personalColumns.join(' ')]);
  }
  for (const d of report.diff) {
    for (const field of ['previous', 'current', 'added', 'removed', 'changed', 'unchanged'] as const) rows.push(['diff', d.file, field, d[field]]);
  }
  report.holdReasons.forEach((reason, i) => rows.push(['hold', String(i + 1), 'reason', reason]));
  for (const f of report.findings) {
    rows.push(['finding', `${f.file} row ${f.row} ${f.column}`, `${f.severity}:${f.rule}`, `${f.message}${f.value ? ` (value: ${f.value})` : ''}${f.origin ? ` [${f.origin}]` : ''}`]);
  }
  for (const e of report.events) rows.push(['event', e.at, `${e.level}:${e.stage}`, e.message]);
  for (const a of report.deliveries) {
    rows.push(['delivery', a.file, 'deliveredAt', a.deliveredAt], ['delivery', a.file, 'records', a.records], ['delivery', a.file, 'remotePath', a.remotePath]);
  }
  return stringify(rows, { record_delimiter: '\r\n' });
}

export function formatRunReport(report: RunReport, format: ReportFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(report, null, 2)}\n`;
    case 'csv':
      return runReportCsv(report);
    default: {
      const never: never = format;
      throw new Error(`Unknown report format ${String(never)}`);
    }
  }
}

export interface PruneResult {
  readonly cutoff: string;
  readonly runs: number;
  readonly folders: number;
}

/**
 * Deletes run records started more than `olderThanDays` days before `now` (their files, events and
 * findings go with them; held and running runs are kept), and run folders left without a record.
 * The audit ledger is not touched.
 */
export function pruneHistory(ctx: AgentContext, olderThanDays: number, now = new Date()): PruneResult {
  if (!Number.isFinite(olderThanDays) || olderThanDays < 1) throw new Error(`History is kept at least 1 day; got ${olderThanDays}.`);
  const cutoff = new Date(now.getTime() - olderThanDays * 86_400_000).toISOString();
  const runs = ctx.store.pruneRuns(cutoff);
  let folders = 0;
  const dir = ctx.layout.runsDir;
  if (existsSync(dir)) {
    for (const entry of readdirSync(dir)) {
      const id = Number(entry);
      if (!Number.isInteger(id) || ctx.store.getRun(id)) continue;
      rmSync(join(dir, entry), { recursive: true, force: true });
      folders++;
    }
  }
  return { cutoff, runs, folders };
}

/** Audit ledger entries grouped into deliveries (one per run), oldest first. */
export function auditDeliveries(entries: readonly AuditEntry[]): AuditDelivery[] {
  const byRun = new Map<number, AuditEntry[]>();
  for (const e of entries) byRun.set(e.runId, [...(byRun.get(e.runId) ?? []), e]);
  return [...byRun.values()].map((group) => {
    const first = group[0]!;
    const csvs = group.filter((e) => e.file !== 'manifest.csv');
    // A zip's columns are already named `file:column`.
    const qualified = (e: AuditEntry, column: string): string => (column.includes(':') ? column : `${e.file}:${column}`);
    return {
      runId: first.runId,
      destination: first.destination,
      destinationType: first.destinationType,
      deliveredAt: group.reduce((latest, e) => (e.deliveredAt > latest ? e.deliveredAt : latest), first.deliveredAt),
      status: group.some((e) => e.status === 'publishing') ? 'publishing' : group.some((e) => e.status === 'rolled-back') ? 'rolled-back' : 'complete',
      note: group.find((e) => e.note)?.note ?? null,
      files: group.map((e) => ({ name: e.file, records: e.records, remotePath: e.remotePath, sha256: e.sha256, personalColumns: e.personalColumns, columnCounts: e.columnCounts })),
      records: csvs.reduce((n, e) => n + e.records, 0),
      personalColumns: [...new Set(group.flatMap((e) => e.personalColumns.map((c) => qualified(e, c))))],
    };
  });
}
