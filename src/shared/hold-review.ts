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

/**
 * A held run in one short line for lists (the dashboard's recent runs): the file that would lose the
 * largest share of its records — "Held: 33 % of users would be removed" — or, when no removal tripped
 * the guard, "Held for approval". The whole message is on the run page.
 */
export function heldHeadline(diff: readonly FileDiff[]): string {
  let worst: { file: string; share: number } | undefined;
  for (const d of diff) {
    if (d.previous <= 0 || d.removed <= 0) continue;
    const share = d.removed / d.previous;
    if (!worst || share > worst.share) worst = { file: d.file, share };
  }
  if (!worst) return 'Held for approval';
  const percent = worst.share < 0.01 ? (worst.share * 100).toFixed(1) : String(Math.round(worst.share * 100));
  return `Held: ${percent} % of ${worst.file.replace(/\.(csv|txt|tsv)$/i, '')} would be removed`;
}
