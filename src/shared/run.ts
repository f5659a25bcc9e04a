/** Run records as the store keeps them and the API returns them. Pure types, shared with the renderer. */
import type { FilesRetention } from './retention.js';

export const RUN_STATUSES = ['running', 'success', 'failed', 'held', 'partial', 'skipped', 'discarded', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const RUN_TRIGGERS = ['manual', 'schedule', 'cli', 'arrival', 'catch-up', 'approval', 'preview', 'retry'] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];
export type Severity = 'error' | 'warning';

/** One validation finding: where, what value, which rule, and what was expected. */
export interface Finding {
  readonly severity: Severity;
  readonly file: string;
  /** 1-based data row in the generated file (header not counted); 0 for file-level findings. */
  readonly row: number;
  readonly column: string;
  readonly value: string;
  readonly rule: string;
  readonly message: string;
  /** Where the row came from in the SIS (source file and line, or entity and record key). */
  readonly origin?: string;
}

export interface FileDiff {
  readonly file: string;
  readonly previous: number;
  readonly current: number;
  readonly added: number;
  readonly removed: number;
  readonly changed: number;
  readonly unchanged: number;
  /** Up to a few keys of each kind, for the report. */
  readonly sampleAdded: readonly string[];
  readonly sampleRemoved: readonly string[];
  readonly sampleChanged: readonly string[];
}

export interface RunFileRecord {
  readonly name: string;
  readonly rows: number;
  readonly bytes: number;
  readonly sha256: string;
  readonly remotePath?: string | null;
  readonly deliveredBytes?: number | null;
  readonly durationMs?: number | null;
  readonly attempts?: number | null;
  /** Personal-data columns that held a value in at least one row of the file. */
  readonly personalColumns: readonly string[];
  /** Per personal column in `personalColumns`: how many rows held a value in it. */
  readonly personalCounts?: Readonly<Record<string, number>>;
}

export interface RunEvent {
  readonly at: string;
  readonly level: 'info' | 'warn' | 'error';
  readonly stage: string;
  readonly message: string;
}

export interface RunSummary {
  readonly id: number;
  readonly destination: string;
  readonly trigger: RunTrigger;
  readonly status: RunStatus;
  readonly dryRun: boolean;
  readonly startedAt: string;
  readonly endedAt: string | null;
  readonly errors: number;
  readonly warnings: number;
  readonly rows: number;
  readonly message: string | null;
}

export interface RunDetail extends RunSummary {
  readonly files: readonly RunFileRecord[];
  readonly diff: readonly FileDiff[];
  readonly findings: readonly Finding[];
  readonly findingsTotal: number;
  readonly events: readonly RunEvent[];
  readonly stageTimings: Readonly<Record<string, number>>;
  readonly holdReasons: readonly string[];
  readonly outputDir: string | null;
  /** Until when the run's generated files are kept, or when they were deleted (the agent fills it in; src/pipeline/retention.ts). */
  readonly filesRetention?: FilesRetention;
}
