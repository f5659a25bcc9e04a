/**
 * Records an auditor asks for:
 *   rostersync audit [--since DATE] [--destination NAME] [--json]   every delivery from the audit ledger
 *   rostersync audit who STUDENT_ID [--json]                        which destinations received that student's records, when, which columns
 *   rostersync history export RUN_ID [--format json|csv] [FILE]      one run's full report
 *   rostersync history prune --older-than DAYS                       delete old run records (not the ledger)
 */
import type { Command } from 'commander';
import { writeTextAtomic } from '../../agent/config-file.js';
import { auditDeliveries, buildRunReport, formatRunReport, pruneHistory, REPORT_FORMATS, type ReportFormat } from '../../agent/history-report.js';
import { whoReceived } from '../../agent/audit-who.js';
import type { AuditDelivery, AuditDeliveryStatus, StudentReceipt } from '../../shared/audit.js';
import { calendarDate, wholeNumber, parseRunId, UsageError, withAgent, type CliKit } from '../cli-kit.js';

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

const STATUS_LABEL: Record<AuditDeliveryStatus, string> = {
  complete: '',
  publishing: '  INCOMPLETE: the process stopped while publishing; not settled yet',
  'rolled-back': '  ROLLED BACK: publishing stopped part-way and was undone',
};

const when = (iso: string): string => iso.replace('T', ' ').slice(0, 19);

export function formatAudit(deliveries: readonly AuditDelivery[]): string {
  if (!deliveries.length) return 'No deliveries recorded.';
  const lines: string[] = [];
  for (const d of deliveries) {
    lines.push(`${when(d.deliveredAt)}  ${d.destination} (${d.destinationType})  run ${d.runId}  ${d.records} records${STATUS_LABEL[d.status]}`);
    lines.push(
      table([
        ['  file', 'records', 'delivered to', 'personal-data columns with a value (rows)'],
        ...d.files.map((f) => [`  ${f.name}`, String(f.records), f.remotePath ?? '—', f.personalColumns.map((c) => (f.columnCounts[c] === undefined ? c : `${c} (${f.columnCounts[c]})`)).join(', ') || '—']),
      ]),
    );
    if (d.note) lines.push(`  ${d.note}`);
    lines.push('');
  }
  lines.push(`${deliveries.length} deliver${deliveries.length === 1 ? 'y' : 'ies'}.`);
  return lines.join('\n');
}

export function formatWho(studentId: string, receipts: readonly StudentReceipt[]): string {
  if (!receipts.length) return `No destination's last delivery holds a record with the key "${studentId}".`;
  const lines = receipts.map(
    (r) =>
      `${r.destination} (${r.destinationType})  ${r.file}  run ${r.runId}  ${when(r.deliveredAt)}  ${r.remotePath ?? '—'}\n` +
      `  personal-data columns with a value in that file: ${r.personalColumns.join(', ') || '—'}\n` +
      `  ${r.file} went to ${r.destination} ${r.earlierDeliveries} time(s) before, first on ${when(r.firstDeliveredAt)} (which of those held this student is not recorded)`,
  );
  return [...lines, '', `The last delivery to ${receipts.length === 1 ? 'this destination' : 'these destinations'} held records keyed "${studentId}". Answered from the fingerprints and the audit ledger; no copy of the rows is kept.`].join('\n');
}

export function registerAuditCommands(program: Command, kit: CliKit): void {
  const { action, globals, print, io } = kit;

  const audit = program
    .command('audit')
    .description('every delivery: destination, when, files, record counts and the personal-data columns sent (names, not values)')
    .option('--since <date>', 'only deliveries on or after this date (YYYY-MM-DD)', calendarDate('--since'))
    .option('--destination <name>', 'only this destination (configured, or one the ledger has deliveries for)')
    .action(
      action((cmd) =>
        withAgent(globals(cmd), (ctx) => {
          const o = cmd.opts<{ since?: string; destination?: string }>();
          // a destination deleted since keeps its deliveries in the ledger: its name is still valid here
          if (o.destination !== undefined && !ctx.store.hasDestination(o.destination) && !ctx.store.listAudit({ destination: o.destination }).length) {
            throw new UsageError(`--destination: no destination named "${o.destination}", and the audit ledger has no delivery to one. Configured: ${ctx.store.listDestinations().map((d) => d.name).join(', ') || 'none'}.`);
          }
          const deliveries = auditDeliveries(ctx.store.listAudit({ since: o.since, destination: o.destination }));
          print(globals(cmd), deliveries, () => formatAudit(deliveries));
          return 0;
        }),
      ),
    );
  audit
    .command('who')
    .description("for a data-privacy request: which destinations received records keyed STUDENT_ID in their last delivery, when, and which personal-data columns")
    .argument('<studentId>')
    .action(
      action((cmd, studentId: string) =>
        withAgent(globals(cmd), (ctx) => {
          if (!studentId.trim()) throw new UsageError('audit who takes a student ID.');
          const receipts = whoReceived(ctx, studentId.trim());
          print(globals(cmd), receipts, () => formatWho(studentId.trim(), receipts));
          return 0;
        }),
      ),
    );

  // `history` itself (list, show) is defined in main.ts; these add the report and retention.
  const history = program.commands.find((c) => c.name() === 'history') ?? program.command('history').description('past runs');
  history
    .command('export')
    .description('write one run\'s full report (files, counts, diff, all findings, events, deliveries) as JSON or CSV; to standard output without a file')
    .argument('<runId>')
    .argument('[file]')
    .option('--format <format>', `json or csv (default: from the file name, else json)`)
    .action(
      action((cmd, id: string, file?: string) =>
        withAgent(globals(cmd), (ctx) => {
          const o = cmd.opts<{ format?: string }>();
          const format = (o.format ?? (file && /\.csv$/i.test(file) ? 'csv' : 'json')).toLowerCase();
          if (!REPORT_FORMATS.includes(format as ReportFormat)) throw new UsageError(`--format must be ${REPORT_FORMATS.join(' or ')}; got "${o.format}".`);
          const report = buildRunReport(ctx, parseRunId(id));
          if (!report) throw new UsageError(`No run ${id}.`);
          const text = formatRunReport(report, format as ReportFormat);
          if (!file) {
            io.out(text);
            return 0;
          }
          writeTextAtomic(file, text);
          io.err(`Report of run ${report.id} (${format.toUpperCase()}, ${report.findings.length} finding(s), ${report.events.length} event(s)) written to ${file}.`);
          return 0;
        }),
      ),
    );
  history
    .command('prune')
    .description('delete run records older than N days (held runs are kept; the audit ledger is never pruned)')
    .requiredOption('--older-than <days>', 'age in days', wholeNumber('--older-than', 1, undefined, 'days'))
    .action(
      action((cmd) =>
        withAgent(globals(cmd), (ctx) => {
          const { olderThan } = cmd.opts<{ olderThan: number }>();
          const result = pruneHistory(ctx, olderThan);
          print(globals(cmd), result, () => `Deleted ${result.runs} run record(s) started before ${result.cutoff} and ${result.folders} leftover run folder(s). The audit ledger is kept.`);
          return 0;
        }),
      ),
    );
}
