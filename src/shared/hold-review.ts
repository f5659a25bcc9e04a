/**
 * The review of a held run: who would disappear at the vendor if it were approved. Resolved at review
 * time from the current source (nothing about the removed people is stored). Pure types, shared with
 * the renderer.
 */
import type { FileDiff, RunSummary } from './run.js';

/** One removed record as the source describes it now. */
export interface RemovedRecord {
  /** The record's key in the vendor file (as delivered last time). */
  readonly id: string;
  /** First and last name, or a class's or school's title; '' when the source row has none. */
  readonly name: string;
}

/** Removed records sharing one school, grade or role. */
export interface RemovalGroup {
  readonly label: string;
  readonly count: number;
  /** The first few of them. */
  readonly samples: readonly RemovedRecord[];
}

/** What approving would remove from one vendor file. */
export interface FileRemovals {
  readonly file: string;
  /** Records of the last good delivery this run no longer has. */
  readonly removed: number;
  readonly bySchool: readonly RemovalGroup[];
  readonly byGrade: readonly RemovalGroup[];
  readonly byRole: readonly RemovalGroup[];
  /** Removed keys no source row maps to any more (gone from the SIS itself): count and a few keys. */
  readonly notInSource: { readonly count: number; readonly sampleIds: readonly string[] };
}

export interface HoldReview {
  readonly run: RunSummary;
  /** The thresholds that tripped, in words (the guard's reasons). */
  readonly holdReasons: readonly string[];
  readonly diff: readonly FileDiff[];
  readonly files: readonly FileRemovals[];
  /** What approving does at the vendor, one sentence per file that loses records. */
  readonly approveEffect: readonly string[];
  /** Why the removals could not be named (source unreachable, no earlier delivery kept); null when they were. */
  readonly unresolved: string | null;
  readonly resolvedAt: string;
}
