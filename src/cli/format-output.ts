/** Human-readable text for runs, for the terminal. */
import type { FileDiff, Finding, RunDetail, RunSummary } from '../shared/run.js';
import { findingGroupLine, groupFindings } from '../shared/finding-groups.js';
import type { RunResult } from '../pipeline/run-sync.js';
import { localDateTime } from '../scheduler/schedule.js';
import { describeFilesRetention } from '../shared/retention.js';

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

const bytes = (n: number): string => (n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1048576).toFixed(1)} MiB`);

function diffLines(diff: readonly FileDiff[]): string {
  if (!diff.length) return '';
  return table([
    ['file', 'records', 'added', 'removed', 'changed'],
    ...diff.map((d) => [d.file, String(d.current), `+${d.added}`, `-${d.removed}`, `~${d.changed}`]),
  ]);
}

/** Findings grouped by rule and column (errors first), at most `max` groups, each with its count and sample rows. */
export function groupLines(findings: readonly Finding[], max: number): string[] {
  const groups = groupFindings(findings);
  const lines = groups.slice(0, max).map((g) => `  ${findingGroupLine(g)}`);
  if (groups.length > max) lines.push(`  … and ${groups.length - max} more group(s).`);
  return lines;
}

/** `followUp` turns `approve 12` into the command to print (with the --home the command was given). */
export function formatRunResult(r: RunResult, followUp: (command: string) => string = (c) => `rostersync ${c}`): string {
  const lines = [`Run ${r.runId} (${r.destination}): ${r.status.toUpperCase()} — ${r.message}`];
  if (r.files.length) {
    lines.push(
      table([
        ['file', 'rows', 'size', 'sha256'],
        ...r.files.map((f) => [f.name, String(f.rows), bytes(f.bytes), f.sha256.slice(0, 16)]),
      ]),
    );
  }
  if (r.diff.length) lines.push('', 'Since the last good delivery:', diffLines(r.diff));
  if (r.errors || r.warnings) {
    lines.push('', `${r.errors} error(s), ${r.warnings} warning(s). By rule and column, errors first:`, ...groupLines(r.findings, 10));
  }
  if (r.holdReasons.length) lines.push('', 'Held because:', ...r.holdReasons.map((h) => `  - ${h}`), `Approve: ${followUp(`approve ${r.runId}`)}   Discard: ${followUp(`discard ${r.runId}`)}`);
  return lines.join('\n');
}

/** The first sentence-ish of a run's message, on one line: why it failed, was held or skipped. */
function reason(message: string | null, max = 70): string {
  const line = (message ?? '').replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/**
 * Runs as a table. `zoneOf` gives the time zone a destination's times are shown in (its schedule's,
 * as `schedules` shows them); each time carries its zone's name.
 */
export function formatRunTable(runs: readonly RunSummary[], zoneOf: (destination: string) => string, emptyText = 'No runs yet.'): string {
  if (!runs.length) return emptyText;
  return table([
    ['id', 'destination', 'trigger', 'status', 'started', 'rows', 'errors', 'warnings', 'reason'],
    ...runs.map((r) => [String(r.id), r.destination, r.trigger, r.dryRun ? `${r.status} (preview)` : r.status, localDateTime(new Date(r.startedAt), zoneOf(r.destination)), String(r.rows), String(r.errors), String(r.warnings), reason(r.message)]),
  ]);
}

/** Findings `history show` lists one by one (after the groups). */
const FINDINGS_LISTED = 50;

export function formatRunDetail(d: RunDetail): string {
  const lines = [
    `Run ${d.id} — ${d.destination} — ${d.status.toUpperCase()}${d.dryRun ? ' (preview)' : ''}`,
    `Trigger: ${d.trigger}   Started: ${d.startedAt}   Ended: ${d.endedAt ?? '—'}`,
    d.message ?? '',
  ];
  if (d.filesRetention) lines.push(describeFilesRetention(d.filesRetention));
  if (Object.keys(d.stageTimings).length) lines.push(`Stages (ms): ${Object.entries(d.stageTimings).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  if (d.files.length) {
    lines.push(
      '',
      table([
        ['file', 'rows', 'size', 'sha256', 'delivered to', 'attempts'],
        ...d.files.map((f) => [f.name, String(f.rows), bytes(f.bytes), f.sha256.slice(0, 16), f.remotePath ?? '—', f.attempts ? String(f.attempts) : '—']),
      ]),
    );
  }
  if (d.diff.length) {
    lines.push('', 'Since the last good delivery:', diffLines(d.diff));
    for (const x of d.diff) {
      if (x.sampleAdded.length && x.previous) lines.push(`  ${x.file} added: ${x.sampleAdded.join(', ')}${x.added > x.sampleAdded.length ? ', …' : ''}`);
      if (x.sampleRemoved.length) lines.push(`  ${x.file} removed: ${x.sampleRemoved.join(', ')}${x.removed > x.sampleRemoved.length ? ', …' : ''}`);
      if (x.sampleChanged.length) lines.push(`  ${x.file} changed: ${x.sampleChanged.join(', ')}${x.changed > x.sampleChanged.length ? ', …' : ''}`);
    }
  }
  if (d.holdReasons.length) lines.push('', 'Held because:', ...d.holdReasons.map((h) => `  - ${h}`));
  if (d.findingsTotal) {
    lines.push('', `Findings: ${d.errors} error(s), ${d.warnings} warning(s)${d.findingsTotal > d.findings.length ? ` (the first ${d.findings.length} of ${d.findingsTotal} are grouped here)` : ''}`);
    lines.push('By rule and column, errors first:', ...groupLines(d.findings, 20));
    const listed = d.findings.slice(0, FINDINGS_LISTED);
    lines.push(`First ${listed.length} finding(s)${d.findingsTotal > listed.length ? ` (all of them: rostersync history export ${d.id})` : ''}:`);
    for (const f of listed) lines.push(`  ${f.severity.toUpperCase()} ${f.file} row ${f.row} ${f.column} "${f.value}" [${f.rule}]: ${f.message}${f.origin ? ` (${f.origin})` : ''}`);
  }
  if (d.events.length) {
    lines.push('', 'Log:');
    for (const e of d.events) lines.push(`  ${e.at.slice(11, 19)} ${e.level.padEnd(5)} ${e.stage.padEnd(8)} ${e.message}`);
  }
  return lines.join('\n');
}
