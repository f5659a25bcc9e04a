/**
 * What a notification mail says: pure functions from a run record to a subject and a plain-text
 * body — destination, status, counts, the difference from the last good delivery, the first
 * findings and the exact command to act. Finding values are left out (they can be personal data;
 * the row, column, rule and message say where to look).
 */
import type { RunDetail, RunStatus } from '../shared/run.js';

export interface MailContent {
  readonly subject: string;
  readonly text: string;
}

export interface ComposeContext {
  /** Machine the agent runs on, so a district with several agents knows which one wrote. */
  readonly host: string;
  /** Appended to every suggested command, e.g. ` --home /srv/rostersync` (empty for the default home). */
  readonly homeArg: string;
  /** How many findings to list. */
  readonly findings?: number;
}

const STATUS_WORDS: Record<RunStatus, string> = {
  running: 'running',
  success: 'delivered',
  partial: 'delivered with rows left out',
  failed: 'FAILED',
  held: 'HELD for approval',
  skipped: 'skipped',
  discarded: 'discarded',
};

const oneLine = (text: string, max = 120): string => {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};

const bytes = (n: number): string => (n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1048576).toFixed(1)} MiB`);

export function runMailSubject(run: RunDetail): string {
  return `[RosterSync] ${run.destination}: ${STATUS_WORDS[run.status]} (run ${run.id})`;
}

export function composeRunMail(run: RunDetail, context: ComposeContext): MailContent {
  const cmd = (c: string): string => `rostersync ${c}${context.homeArg}`;
  const lines: string[] = [
    `Destination: ${run.destination}`,
    `Status:      ${STATUS_WORDS[run.status]}`,
    `Run:         ${run.id} (${run.trigger}), started ${run.startedAt}${run.endedAt ? `, ended ${run.endedAt}` : ''}`,
    `Agent:       ${context.host}`,
    '',
    run.message ?? '',
  ];
  if (run.files.length) {
    lines.push('', 'Files:');
    for (const f of run.files) lines.push(`  ${f.name}: ${f.rows} rows, ${bytes(f.bytes)}${f.remotePath ? ` → ${f.remotePath}` : ''}`);
  }
  if (run.diff.length) {
    lines.push('', 'Since the last good delivery:');
    for (const d of run.diff) lines.push(`  ${d.file}: ${d.current} records (was ${d.previous}; +${d.added} added, -${d.removed} removed, ~${d.changed} changed)`);
  }
  if (run.holdReasons.length) lines.push('', 'Held because:', ...run.holdReasons.map((r) => `  - ${r}`));
  if (run.errors || run.warnings) {
    const shown = run.findings.slice(0, context.findings ?? 10);
    lines.push('', `Findings: ${run.errors} error(s), ${run.warnings} warning(s).${shown.length ? ` First ${shown.length}:` : ''}`);
    for (const f of shown) lines.push(`  ${f.severity.toUpperCase()} ${f.file} row ${f.row}, ${f.column} [${f.rule}]: ${oneLine(f.message, 200)}`);
  }
  lines.push('', 'What to do:');
  switch (run.status) {
    case 'held':
      lines.push(
        `  Review:  ${cmd(`history show ${run.id}`)}`,
        `  Deliver: ${cmd(`approve ${run.id}`)}`,
        `  Discard: ${cmd(`discard ${run.id}`)}`,
      );
      break;
    case 'failed':
    case 'partial':
      lines.push(`  Details: ${cmd(`history show ${run.id}`)}`, `  After fixing the cause, run again: ${cmd(`run ${run.destination}`)}`);
      break;
    case 'success':
      lines.push('  Nothing. This mail is sent because success notifications are on.');
      break;
    case 'running':
    case 'skipped':
    case 'discarded':
      lines.push(`  Details: ${cmd(`history show ${run.id}`)}`);
      break;
    default: {
      const never: never = run.status;
      throw new Error(`Unexpected run status ${String(never)}`);
    }
  }
  return { subject: runMailSubject(run), text: `${lines.join('\n')}\n` };
}

export interface StaleInfo {
  readonly destination: string;
  readonly days: number;
  readonly lastUpload: string | null;
  readonly limitDays: number;
}

export function composeStaleMail(info: StaleInfo, context: ComposeContext): MailContent {
  const since = info.lastUpload ? `The last upload was on ${info.lastUpload.slice(0, 10)} (${info.days} days ago).` : `Nothing has been uploaded since the schedule started ${info.days} days ago.`;
  return {
    subject: `[RosterSync] ${info.destination}: no upload for ${info.days} days`,
    text: [
      `Destination: ${info.destination}`,
      `Agent:       ${context.host}`,
      '',
      `${since} The limit set for this destination is ${info.limitDays} days; some vendors remove rosters that are not refreshed.`,
      '',
      'What to do:',
      `  Recent runs: ${`rostersync history --destination ${info.destination}${context.homeArg}`}`,
      `  Run now:     ${`rostersync run ${info.destination}${context.homeArg}`}`,
      '',
    ].join('\n'),
  };
}

export function composeTestMail(context: ComposeContext, at: Date): MailContent {
  return {
    subject: '[RosterSync] Test notification',
    text: `This is a test mail from the RosterSync agent on ${context.host}, sent ${at.toISOString()}.\nIf you can read it, notifications reach you.\n`,
  };
}
