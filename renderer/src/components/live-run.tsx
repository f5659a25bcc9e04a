/** A running run as the events tell it: its progress line, the Cancel button, and the stream's state. */
import { useState, type ReactNode } from 'react';
import type { RunStage } from '../api/types.js';
import { useApi } from '../lib/api-context.js';
import { errorMessage } from '../lib/errors.js';
import { formatBytes, formatCount } from '../lib/format.js';
import { useLiveState, useRunProgress } from '../lib/live.js';
import { useToasts } from '../lib/toasts.js';
import { ConfirmDialog } from './ui.js';

const STAGE_TEXT: Record<RunStage, string> = {
  plan: 'Planning',
  source: 'Reading the source',
  map: 'Mapping',
  validate: 'Checking',
  write: 'Writing',
  deliver: 'Delivering',
  record: 'Recording',
};

/** "about 2 min 10 s left" */
function formatEta(seconds: number): string {
  if (seconds < 1) return 'almost done';
  if (seconds < 60) return `about ${Math.ceil(seconds)} s left`;
  return `about ${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s left`;
}

/**
 * "Writing users.csv · 120,000 rows · 41,200 rows/s · about 20 s left · 3.1 MB uploaded" from the
 * run's latest progress event; before the first one (or for a run another process runs, whose
 * progress stays in that process) it says what is known.
 */
export function RunProgressLine(props: { readonly runId: number }): ReactNode {
  const progress = useRunProgress(props.runId);
  const state = useLiveState();
  if (!progress) {
    return (
      <span className="muted small" data-testid={`run-progress-${props.runId}`}>
        {state === 'live' ? 'Running — waiting for its first progress report.' : 'Running (live progress unavailable while reconnecting).'}
      </span>
    );
  }
  const parts: ReactNode[] = [
    <span key="stage">
      {STAGE_TEXT[progress.stage]}
      {progress.file ? ` ${progress.file}` : ''}
    </span>,
    <span key="rows">
      <strong data-testid="live-rows">{formatCount(progress.rows)}</strong>
      {progress.expectedRows ? ` of about ${formatCount(progress.expectedRows)}` : ''} rows
    </span>,
  ];
  if (progress.rowsPerSecond > 0) parts.push(<span key="rate">{formatCount(Math.round(progress.rowsPerSecond))} rows/s</span>);
  parts.push(<span key="eta">{progress.etaSeconds === null ? 'no ETA yet (no earlier delivery to compare)' : formatEta(progress.etaSeconds)}</span>);
  if (progress.bytesUploaded > 0) parts.push(<span key="bytes">{formatBytes(progress.bytesUploaded)} uploaded</span>);
  return (
    <span className="run-progress small" data-testid={`run-progress-${props.runId}`} aria-live="polite">
      {parts.flatMap((p, i) => (i === 0 ? [p] : [' · ', p]))}
    </span>
  );
}

/** A running run's rows so far ("1,871 so far"), for tables; "running" before its first progress report. */
export function LiveRowCount(props: { readonly runId: number }): ReactNode {
  const progress = useRunProgress(props.runId);
  return <span data-testid={`live-row-count-${props.runId}`}>{progress ? `${formatCount(progress.rows)} so far` : 'running'}</span>;
}

/**
 * Cancel for a running run, with a confirmation. After the request it says "Cancelling…" until the
 * run's end arrives (the caller re-renders with the run's final status and stops showing the button).
 */
export function CancelRunButton(props: { readonly runId: number; readonly destination: string; readonly small?: boolean }): ReactNode {
  const api = useApi();
  const toasts = useToasts();
  const [confirming, setConfirming] = useState(false);
  const [cancelling, setCancelling] = useState(false);
  const cancel = async (): Promise<void> => {
    setConfirming(false);
    setCancelling(true);
    try {
      await api.cancelRun({ id: props.runId });
    } catch (err) {
      setCancelling(false);
      toasts.error(`Run #${props.runId} could not be cancelled: ${errorMessage(err)}`);
    }
  };
  return (
    <>
      <button
        type="button"
        className={`btn danger${props.small ? ' small' : ''}`}
        disabled={cancelling}
        onClick={() => setConfirming(true)}
        aria-label={cancelling ? `Cancelling run ${props.runId}` : `Cancel run ${props.runId} of ${props.destination}`}
      >
        {cancelling ? 'Cancelling…' : 'Cancel run'}
      </button>
      <ConfirmDialog
        open={confirming}
        title={`Cancel run #${props.runId} of ${props.destination}?`}
        confirmLabel="Stop the run"
        dismissLabel="Keep running"
        danger
        onCancel={() => setConfirming(false)}
        onConfirm={() => void cancel()}
      >
        <p>
          The run stops at its next step and ends <strong>cancelled</strong>. Nothing of it is delivered: {props.destination} keeps the files of its last
          delivery. A publish already swapping files in place is finished or undone, never left half done.
        </p>
      </ConfirmDialog>
    </>
  );
}

/** The event stream's state, for the sidebar: live, or reconnecting (screens then refresh slowly). */
export function LiveIndicator(): ReactNode {
  const state = useLiveState();
  const text = state === 'live' ? 'Live updates on' : state === 'connecting' ? 'Connecting to live updates…' : 'Live updates reconnecting… (refreshing every 15 s)';
  return (
    <span className={`badge ${state === 'live' ? 'ok' : 'warning'}`} data-testid="live-state" data-state={state} role="status">
      {text}
    </span>
  );
}
