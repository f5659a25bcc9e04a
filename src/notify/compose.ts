/**
 * What a notification mail says: pure functions from a run record to a subject and a plain-text
 * body — destination, status, counts, the difference from the last good delivery, the first
 * findings and the exact command to act. Finding values are left out (they can be personal data;
 * the row, column, rule and message say where to look), and so are values quoted or spelled out
 * inside message text (maskValues): no phone number, birth date or e-mail address of a student
 * reaches a mailbox or a chat channel.
 */
import type { RunDetail, RunStatus } from '../shared/run.js';
import { describeDuration, type Incident, type IncidentAlert } from './incidents.js';
import { maskValues } from '../log/mask.js';
import { findingGroupLine, groupFindings } from '../shared/finding-groups.js';

export interface MailContent {
  readonly subject: string;
  readonly text: string;
}

export interface ComposeContext {
  /** Machine the agent runs on, so a district with several agents knows which one wrote. */
  readonly host: string;
  /** Appended to every suggested command, e.g. ` --home /srv/rostersync` (empty for the default home). */
  readonly homeArg: string;
  /** How many groups of findings (by rule and column) to list. */
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
  cancelled: 'cancelled',
};

const oneLine = (text: string, max = 120): string => {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};

const bytes = (n: number): string => (n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1048576).toFixed(1)} MiB`);

const findingValues = (run: RunDetail): string[] => [...new Set(run.findings.map((f) => f.value).filter((v): v is string => !!v))];

export function runMailSubject(run: RunDetail): string {
  return `[RosterSync] ${run.destination}: ${STATUS_WORDS[run.status]} (run ${run.id})`;
}

export function composeRunMail(run: RunDetail, context: ComposeContext): MailContent {
  const lines: string[] = [
    `Destination: ${run.destination}`,
    `Status:      ${STATUS_WORDS[run.status]}`,
    `Run:         ${run.id} (${run.trigger}), started ${run.startedAt}${run.endedAt ? `, ended ${run.endedAt}` : ''}`,
    `Agent:       ${context.host}`,
    '',
    maskValues(run.message ?? '', findingValues(run)),
  ];
  lines.push(...runSummaryLines(run, context));
  lines.push('', 'What to do:', ...whatToDo(run, context));
  return { subject: runMailSubject(run), text: `${lines.join('\n')}\n` };
}

/** Files, difference, hold reasons and the first findings of a run (values masked). */
function runSummaryLines(run: RunDetail, context: ComposeContext): string[] {
  const lines: string[] = [];
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
    const groups = groupFindings(run.findings);
    const shown = groups.slice(0, context.findings ?? 10);
    lines.push('', `Findings: ${run.errors} error(s), ${run.warnings} warning(s).${shown.length ? ' By rule and column, errors first:' : ''}`);
    const known = findingValues(run);
    for (const g of shown) lines.push(`  ${oneLine(findingGroupLine(g, (f) => maskValues(f.message, known)), 240)}`);
    if (groups.length > shown.length) lines.push(`  … and ${groups.length - shown.length} more group(s): see the run in the console.`);
  }
  return lines;
}

function whatToDo(run: RunDetail, context: ComposeContext): string[] {
  const cmd = (c: string): string => `rostersync ${c}${context.homeArg}`;
  const lines: string[] = [];
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
    case 'cancelled':
      lines.push(`  Details: ${cmd(`history show ${run.id}`)}`);
      break;
    default: {
      const never: never = run.status;
      throw new Error(`Unexpected run status ${String(never)}`);
    }
  }
  return lines;
}

export interface StaleInfo {
  readonly destination: string;
  /** Whole hours since the last successful delivery (or since the destination was set up). */
  readonly hours: number;
  readonly lastDelivery: string | null;
  readonly limitHours: number;
}

/** One line saying how long a destination has gone without a delivery (alerts, the dashboard, run events). */
export function describeStale(info: StaleInfo): string {
  return info.lastDelivery
    ? `No successful delivery to ${info.destination} for ${info.hours} hours (last ${info.lastDelivery}); the limit is ${info.limitHours} hours.`
    : `No successful delivery to ${info.destination} in the ${info.hours} hours since it was set up; the limit is ${info.limitHours} hours.`;
}

const ALERT_WORDS: Record<IncidentAlert, string> = { opened: 'incident opened', reminder: 'still not delivering', recovered: 'recovered' };

/**
 * An incident alert: opened (with the failed run, when a run opened it), reminder (still failing
 * or stale since …), recovered (delivered again, after how long). `run` is the run that caused the
 * alert, absent for staleness found between runs.
 */
export function composeIncidentMail(alert: IncidentAlert, incident: Incident, run: RunDetail | undefined, destination: string, context: ComposeContext, now: Date): MailContent {
  const cmd = (c: string): string => `rostersync ${c}${context.homeArg}`;
  const since = describeDuration(incident.openedAt, now);
  const why = incident.cause === 'stale' ? 'not delivering (stale)' : 'failing';
  const subject =
    alert === 'recovered'
      ? `[RosterSync] ${destination}: recovered after ${since}${run ? ` (run ${run.id})` : ''}`
      : alert === 'opened'
        ? `[RosterSync] ${destination}: ${incident.cause === 'stale' ? 'no delivery for too long' : 'FAILED'} — incident opened${run ? ` (run ${run.id})` : ''}`
        : `[RosterSync] ${destination}: still ${why} after ${since}${incident.failures ? ` (${incident.failures} failed runs)` : ''}`;
  const lines: string[] = [
    `Destination: ${destination}`,
    `Incident:    ${ALERT_WORDS[alert]} — ${why} since ${incident.openedAt}${incident.failures ? `, ${incident.failures} failed run(s)` : ''}`,
    `Agent:       ${context.host}`,
  ];
  if (run) lines.push(`Run:         ${run.id} (${run.trigger}), ${STATUS_WORDS[run.status]}, started ${run.startedAt}${run.endedAt ? `, ended ${run.endedAt}` : ''}`);
  lines.push('');
  if (alert === 'recovered') {
    lines.push(`Delivered again after ${since}. The last problem was: ${maskValues(incident.lastMessage)}`);
    if (run) lines.push('', maskValues(run.message ?? '', findingValues(run)), ...runSummaryLines(run, context));
    lines.push('', 'Nothing to do. Recent runs: ' + cmd(`history --destination ${destination}`));
  } else {
    lines.push(run ? maskValues(run.message ?? '', findingValues(run)) : maskValues(incident.lastMessage));
    if (run) lines.push(...runSummaryLines(run, context), '', 'What to do:', ...whatToDo(run, context));
    else lines.push('', 'What to do:', `  Recent runs: ${cmd(`history --destination ${destination}`)}`, `  Run now:     ${cmd(`run ${destination}`)}`);
    lines.push('', alert === 'opened' ? 'You will be reminded while this lasts, and told when it recovers.' : 'You will be told when it recovers.');
  }
  return { subject, text: `${lines.join('\n')}\n` };
}

export function composeTestMail(context: ComposeContext, at: Date): MailContent {
  return {
    subject: '[RosterSync] Test notification',
    text: `This is a test mail from the RosterSync agent on ${context.host}, sent ${at.toISOString()}.\nIf you can read it, notifications reach you.\n`,
  };
}
