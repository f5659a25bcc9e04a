/** Findings grouped by rule and column, errors first — the same groups in the CLI and in the mails (the GUI's table uses groupFindings too). */
import { describe, expect, it } from 'vitest';
import { formatRunResult } from '../../src/cli/format-output.js';
import { composeRunMail } from '../../src/notify/compose.js';
import { findingGroupLine, groupFindings } from '../../src/shared/finding-groups.js';
import type { Finding, RunDetail } from '../../src/shared/run.js';

const warning = (row: number): Finding => ({ severity: 'warning', file: 'users.csv', row, column: 'email', value: `ana.lopez${row}@`, rule: 'email', message: `ana.lopez${row}@ is not an e-mail address.` });
const siteMap = (row: number): Finding => ({ severity: 'error', file: 'users.csv', row, column: 'orgSourcedIds', value: '003', rule: 'site-map', message: 'school code 003 is not in the site map' });
const required = (row: number): Finding => ({ severity: 'error', file: 'classes.csv', row, column: 'title', value: '', rule: 'required', message: 'title is required.' });

/** Warnings first in the list, as a run's findings arrive: 5 warnings, then 4,002 errors of one cause and 2 of another. */
const findings: Finding[] = [...[1, 2, 3, 4, 5].map(warning), ...Array.from({ length: 4002 }, (_, i) => siteMap(i + 1)), required(7), required(9)];

describe('findings grouped by rule and column', () => {
  it('makes one group per cause with its count and first rows, errors before warnings, larger groups first', () => {
    const groups = groupFindings(findings);
    expect(groups.map((g) => [g.severity, g.file, g.column, g.rule, g.count])).toEqual([
      ['error', 'users.csv', 'orgSourcedIds', 'site-map', 4002],
      ['error', 'classes.csv', 'title', 'required', 2],
      ['warning', 'users.csv', 'email', 'email', 5],
    ]);
    expect(groups[0]!.samples.map((s) => s.row)).toEqual([1, 2, 3]);
    expect(findingGroupLine(groups[0]!)).toBe('ERROR users.csv › orgSourcedIds [site-map] ×4002: school code 003 is not in the site map (rows 1, 2, 3, …)');
    expect(findingGroupLine(groups[1]!)).toBe('ERROR classes.csv › title [required] ×2: title is required. (rows 7, 9)');
    expect(groupFindings([{ ...required(0) }]).map((g) => findingGroupLine(g))).toEqual(['ERROR classes.csv › title [required] ×1: title is required. (rows file)']);
  });

  it('names left-out rows by their SIS origin, not by the row number they never got in the file', () => {
    // Rows left out of users.csv all carry the number of the next written row (1): their origins tell them apart.
    const leftOut = [14, 20, 31, 40].map((line): Finding => ({ ...siteMap(1), origin: `students.csv line ${line}` }));
    const [group] = groupFindings(leftOut);
    expect(findingGroupLine(group!)).toBe(
      'ERROR users.csv › orgSourcedIds [site-map] ×4: school code 003 is not in the site map (students.csv line 14; students.csv line 20; students.csv line 31, …)',
    );
    // A sample without an origin keeps its row; a database source names entity and row.
    expect(findingGroupLine(groupFindings([{ ...required(7), origin: 'classes row 3' }, required(9)])[0]!)).toBe('ERROR classes.csv › title [required] ×2: title is required. (classes row 3; row 9)');
  });

  it('the CLI lists groups, errors first, never a warning before an error', () => {
    const text = formatRunResult({ runId: 7, destination: 'vendor', status: 'partial', message: 'Delivered with rows left out.', files: [], diff: [], errors: 4004, warnings: 5, holdReasons: [], outputDir: '/tmp/x', findings, unmappedSchools: [] });
    const lines = text.split('\n');
    const from = lines.findIndex((l) => l.includes('By rule and column, errors first:'));
    expect(from).toBeGreaterThan(0);
    expect(lines.slice(from + 1, from + 4)).toEqual([
      '  ERROR users.csv › orgSourcedIds [site-map] ×4002: school code 003 is not in the site map (rows 1, 2, 3, …)',
      '  ERROR classes.csv › title [required] ×2: title is required. (rows 7, 9)',
      '  WARNING users.csv › email [email] ×5: ana.lopez1@ is not an e-mail address. (rows 1, 2, 3, …)',
    ]);
    expect(text.match(/school code 003/g)).toHaveLength(1);
  });

  it('the mail lists the same groups, errors first, with values masked', () => {
    const run: RunDetail = {
      id: 7, destination: 'vendor', trigger: 'schedule', status: 'partial', dryRun: false, startedAt: '2026-12-02T02:00:00Z', endedAt: '2026-12-02T02:01:00Z',
      errors: 4004, warnings: 5, rows: 100, message: 'Delivered with rows left out.', files: [], diff: [], findings, findingsTotal: findings.length, events: [], stageTimings: {}, holdReasons: [], outputDir: null,
    } as RunDetail;
    const mail = composeRunMail(run, { host: 'sis-agent', homeArg: '' });
    const lines = mail.text.split('\n');
    const from = lines.findIndex((l) => l.includes('By rule and column, errors first:'));
    expect(from).toBeGreaterThan(0);
    expect(lines[from + 1]).toMatch(/^ {2}ERROR users\.csv › orgSourcedIds \[site-map\] ×4002: /);
    expect(lines[from + 2]).toMatch(/^ {2}ERROR classes\.csv › title \[required\] ×2: /);
    expect(lines[from + 3]).toMatch(/^ {2}WARNING users\.csv › email \[email\] ×5: /);
    // The finding's value (possibly personal data) is not in the mail.
    expect(mail.text).not.toContain('ana.lopez');
  });
});
