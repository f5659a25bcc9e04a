/** The audit ledger as people and the GUI read it. Pure types, shared with the renderer. */

/**
 * `publishing`: written before the first file became visible and not settled yet (incomplete: the
 * process stopped while publishing, and no later start has rolled it forward or back);
 * `complete`: every file was published; `rolled-back`: a publish that stopped part-way was undone —
 * some files may have been visible under their final names for a while.
 */
export type AuditDeliveryStatus = 'publishing' | 'complete' | 'rolled-back';

export interface AuditFile {
  readonly name: string;
  readonly records: number;
  readonly remotePath: string | null;
  readonly sha256: string;
  /** Personal-data columns that held a value in at least one delivered row. */
  readonly personalColumns: readonly string[];
  /** Per personal column: how many delivered rows held a value in it. */
  readonly columnCounts: Readonly<Record<string, number>>;
}

/** One run's delivery to one destination. */
export interface AuditDelivery {
  readonly runId: number;
  readonly destination: string;
  readonly destinationType: string;
  readonly deliveredAt: string;
  readonly status: AuditDeliveryStatus;
  /** How an interrupted publish was settled. */
  readonly note: string | null;
  readonly files: readonly AuditFile[];
  readonly records: number;
  /** Union of the personal-data columns sent in this delivery, as `file:column` (names, never values). */
  readonly personalColumns: readonly string[];
}

/** Where a student's records went, as the ledger and the last delivery's fingerprints answer it (no copies of rows are kept). */
export interface StudentReceipt {
  readonly destination: string;
  readonly destinationType: string;
  /** The file of the last complete delivery that holds a record with this key. */
  readonly file: string;
  readonly runId: number;
  readonly deliveredAt: string;
  readonly remotePath: string | null;
  /** The personal-data columns of that file that held a value in at least one row. */
  readonly personalColumns: readonly string[];
  /** Earlier complete deliveries of the same file to the same destination (whether they held this student is not recorded). */
  readonly earlierDeliveries: number;
  readonly firstDeliveredAt: string;
}
