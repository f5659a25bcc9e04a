/** Human-readable text for runs, for the terminal. */
import type { FileDiff, Finding, RunDetail, RunSummary } from '../shared/run.js';
import { findingGroupLine, groupFindings } from '../shared/finding-groups.js';
import type { RunResult } from '../pipeline/run-sync.js';
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

export function formatRunResult(r: RunResult): string {
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
  if (r.holdReasons.length) lines.push('', 'Held because:', ...r.holdReasons.map((h) => `  - ${h}`), `Approve: rostersync approve ${r.runId}   Discard: rostersync discard ${r.runId}`);
  return lines.join('\n');
}

export function formatRunTable(runs: readonly RunSummary[]): string {
  if (!runs.length) return 'No runs yet.';
  return table([
    ['id', 'destination', 'trigger', 'status', 'started', 'rows', 'errors', 'warnings'],
    ...runs.map((r) => [String(r.id), r.destination, r.trigger, r.dryRun ? `${r.status} (preview)` : r.status, r.startedAt.replace('T', ' ').slice(0, 19), String(r.rows), String(r.errors), String(r.warnings)]),
  ]);
}

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
    lines.push('', `Findings: ${d.errors} error(s), ${d.warnings} warning(s)${d.findingsTotal > d.findings.length ? ` (first ${d.findings.length} shown)` : ''}`);
    lines.push('By rule and column, errors first:', ...groupLines(d.findings, 20));
    lines.push('First findings:');
    for (const f of d.findings.slice(0, 50)) lines.push(`  ${f.severity.toUpperCase()} ${f.file} row ${f.row} ${f.column} "${f.value}" [${f.rule}]: ${f.message}${f.origin ? ` (${f.origin})` : ''}`);
  }
  if (d.events.length) {
    lines.push('', 'Log:');
    for (const e of d.events) lines.push(`  ${e.at.slice(11, 19)} ${e.level.padEnd(5)} ${e.stage.padEnd(8)} ${e.message}`);
  }
  return lines.join('\n');
}
