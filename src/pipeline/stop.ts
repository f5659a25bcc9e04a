/**
 * Stopping a run on its abort signal, as types: whoever aborts a run gives a RunStopRequest saying
 * why (the agent shutting down, an administrator's cancel); the pipeline, finding its signal aborted
 * at a checkpoint, fails with RunStoppedError ("Stopped: <reason>."), and its result carries the
 * reason, so the runner never reads it back out of the message.
 */
import { RunFailure } from './findings.js';

/** The reason given to `AbortController.abort()` to stop runs: its message is the reason the run records. */
export class RunStopRequest extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'RunStopRequest';
  }
}

/** "Stopped: <reason>.": how a stopped run's message begins. */
export const stoppedMessage = (reason: string): string => `Stopped: ${reason}.`;

/** The run stopped at `stage` because its signal was aborted. */
export class RunStoppedError extends RunFailure {
  readonly code = 'run-stopped';

  constructor(
    readonly reason: string,
    stage: string,
  ) {
    super(stoppedMessage(reason), stage);
    this.name = 'RunStoppedError';
  }
}

/** Why a run was stopped: the RunStopRequest given, or `cancelled` for a bare `abort()`. */
export function stopReason(signal: AbortSignal): string {
  return signal.reason instanceof RunStopRequest ? signal.reason.message : 'cancelled';
}
