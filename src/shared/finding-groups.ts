/**
 * Findings grouped by their cause: one group per severity, rule, file and column, with how many rows
 * and the first few as samples — 4,002 findings with one cause are one line, not 4,002. Errors come
 * before warnings, then larger groups first. Pure; used by the GUI, the CLI and the mails.
 */
import type { Finding, Severity } from './run.js';

export interface FindingGroup {
  readonly severity: Severity;
  readonly rule: string;
  readonly file: string;
  readonly column: string;
  readonly count: number;
  /** The group's first findings, in the order given. */
  readonly samples: readonly Finding[];
}

const SEVERITY_ORDER: Readonly<Record<Severity, number>> = { error: 0, warning: 1 };

export function groupFindings(findings: readonly Finding[], samplesPerGroup = 3): FindingGroup[] {
  const groups = new Map<string, { severity: Severity; rule: string; file: string; column: string; count: number; samples: Finding[]; first: number }>();
  findings.forEach((f, index) => {
    const id = `${f.severity}\u001f${f.rule}\u001f${f.file}\u001f${f.column}`;
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { severity: f.severity, rule: f.rule, file: f.file, column: f.column, count: 0, samples: [], first: index }));
    g.count++;
    if (g.samples.length < samplesPerGroup) g.samples.push(f);
  });
  return [...groups.values()]
    .sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || b.count - a.count || a.first - b.first)
    .map(({ first: _first, ...g }) => g);
}

/**
 * Where the samples are: "rows 4, 9, 12" (rows of the generated file; "file" for file-level findings),
 * or, when the samples know where they came from in the SIS, their origins — "students.csv line 14;
 * students.csv line 20" — which also names rows left out of the file (they have no row of their own).
 */
export function sampleRows(group: FindingGroup): string {
  const more = group.count > group.samples.length ? ', …' : '';
  if (group.samples.some((s) => s.origin)) {
    return `${group.samples.map((s) => s.origin ?? (s.row === 0 ? 'file' : `row ${s.row}`)).join('; ')}${more}`;
  }
  const rows = group.samples.map((s) => (s.row === 0 ? 'file' : String(s.row)));
  return `${rows.length === 1 && rows[0] !== 'file' ? 'row' : 'rows'} ${rows.join(', ')}${more}`;
}

/**
 * One line per group: `ERROR users.csv › orgSourcedIds [site-map] ×280: school code 003 is not in the site map (rows 1, 2, 3, …)`.
 * `message` can rewrite the sample's message (mails mask values).
 */
export function findingGroupLine(group: FindingGroup, message: (f: Finding) => string = (f) => f.message): string {
  const sample = group.samples[0];
  const text = sample ? message(sample) : '';
  return `${group.severity.toUpperCase()} ${group.file} › ${group.column} [${group.rule}] ×${group.count}: ${text} (${sampleRows(group)})`;
}
