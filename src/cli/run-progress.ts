/**
 * What `rostersync run` (demo, approve) shows while a run goes, from the runner's LiveEvents:
 *  - on a terminal: one live line, redrawn in place — stage, file, rows, rate, ETA, bytes uploaded —
 *    with the run's log lines printed above it;
 *  - otherwise (a pipe, a log file, --json): plain lines — every log line, and a progress line at
 *    most every PLAIN_PROGRESS_EVERY_MS.
 * Everything goes to stderr; stdout keeps the result (JSON with --json).
 */
import type { LiveEvent } from '../shared/api.contract.js';

/** How often a plain (non-terminal) progress line is written while rows flow. */
export const PLAIN_PROGRESS_EVERY_MS = 5000;

type ProgressEvent = Extract<LiveEvent, { type: 'progress' }>;

const count = (n: number): string => n.toLocaleString('en-US');

function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (x: number): string => String(x).padStart(2, '0');
  return h ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 ** 2).toFixed(1)} MiB`;
}

/** "write users.csv · 120,000 rows · 41,000 rows/s · ETA 0:12 · 3.2 MiB uploaded" */
export function progressLine(e: ProgressEvent): string {
  const parts = [`${e.stage}${e.file ? ` ${e.file}` : ''}`, `${count(e.rows)}${e.expectedRows ? ` of ~${count(e.expectedRows)}` : ''} rows`];
  if (e.rowsPerSecond > 0) parts.push(`${count(e.rowsPerSecond)} rows/s`);
  if (e.etaSeconds !== null) parts.push(`ETA ${duration(e.etaSeconds)}`);
  if (e.bytesUploaded > 0) parts.push(`${bytes(e.bytesUploaded)} uploaded`);
  return parts.join(' · ');
}

export interface ProgressOutput {
  /** Writes text as is (no newline added). */
  write(text: string): void;
  readonly isTTY: boolean;
  /** Terminal width (for truncating the live line). */
  readonly columns?: number;
}

export function runProgressPrinter(output: ProgressOutput, now: () => number = Date.now): (event: LiveEvent) => void {
  let live = '';
  let lastPlain = 0;
  const clear = (): void => {
    if (live) output.write('\r\x1b[2K');
    live = '';
  };
  return (event) => {
    switch (event.type) {
      case 'run-started':
        if (!output.isTTY) output.write(`  [run] run ${event.runId} of ${event.destination} started (${event.trigger}${event.dryRun ? ', preview' : ''})\n`);
        return;
      case 'log':
        clear();
        output.write(`  [${event.stage}] ${event.message}\n`);
        return;
      case 'progress': {
        const line = progressLine(event);
        if (output.isTTY) {
          const width = Math.max(20, (output.columns ?? 100) - 1);
          live = `  ${line}`.slice(0, width);
          output.write(`\r\x1b[2K${live}`);
        } else if (now() - lastPlain >= PLAIN_PROGRESS_EVERY_MS) {
          lastPlain = now();
          output.write(`  [progress] ${line}\n`);
        }
        return;
      }
      case 'run-finished':
        clear();
        return;
      default: {
        const never: never = event;
        return never;
      }
    }
  };
}
