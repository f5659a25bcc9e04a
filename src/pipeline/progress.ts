/**
 * Live progress of one run as data (LiveEvent `progress`, src/shared/api.contract.ts): the stage,
 * the file being written, rows written so far, the rate, an ETA from the last good delivery's row
 * count, and bytes uploaded. Rows are counted on the hot path (one increment); an event goes out at
 * most every PROGRESS_EVERY_MS, and at every stage change.
 */
import type { LiveEvent, RunStage } from '../shared/api.contract.js';

/** How often a progress event goes out while rows flow. */
export const PROGRESS_EVERY_MS = 500;

export type ProgressEvent = Extract<LiveEvent, { type: 'progress' }>;

export class RunProgress {
  private stage: RunStage = 'plan';
  private file: string | null = null;
  /** Rows of the files already complete. */
  private rowsDone = 0;
  /** Rows of the file being written. */
  rowsInFile = 0;
  /** Rows a file worker has written so far (file-worker.ts), until its file is taken at its place in the plan. */
  rowsElsewhere = 0;
  private bytesUploaded = 0;
  private readonly startedAt = performance.now();
  private lastEmit = 0;

  constructor(
    private readonly runId: number,
    private readonly destination: string,
    private readonly expectedRows: number | null,
    private readonly emit: (event: ProgressEvent) => void,
  ) {}

  /** A new stage (and file): always reported. */
  enter(stage: RunStage, file: string | null = this.file): void {
    this.stage = stage;
    this.file = file;
    this.send();
  }

  /** The current file is complete with `rows` rows. */
  fileDone(rows: number): void {
    this.rowsDone += rows;
    this.rowsInFile = 0;
  }

  uploaded(bytes: number): void {
    this.bytesUploaded += bytes;
    this.send();
  }

  /** Called after each batch of rows: reports when the last report is old enough. */
  tick(): void {
    if (performance.now() - this.lastEmit >= PROGRESS_EVERY_MS) this.send();
  }

  get rows(): number {
    return this.rowsDone + this.rowsInFile + this.rowsElsewhere;
  }

  private send(): void {
    this.lastEmit = performance.now();
    const seconds = (this.lastEmit - this.startedAt) / 1000;
    const rows = this.rows;
    const rate = seconds > 0 ? rows / seconds : 0;
    const left = this.expectedRows !== null ? this.expectedRows - rows : null;
    const etaSeconds = left !== null && rate > 0 && (this.stage === 'source' || this.stage === 'write') ? Math.max(0, Math.round(left / rate)) : null;
    this.emit({
      type: 'progress',
      runId: this.runId,
      destination: this.destination,
      stage: this.stage,
      file: this.file,
      rows,
      rowsPerSecond: Math.round(rate),
      expectedRows: this.expectedRows,
      etaSeconds,
      bytesUploaded: this.bytesUploaded,
      at: new Date().toISOString(),
    });
  }
}
