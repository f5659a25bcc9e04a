/**
 * How long a run's generated files (student data) stay in the data folder's `runs/`, as the run page
 * and `rostersync history show` say it. Pure: the agent decides (src/pipeline/retention.ts), this
 * type and its wording are shared with the GUI.
 */

export type FilesRetention =
  /** Still being written. */
  | { readonly state: 'running' }
  /** Held for approval: kept until approved or discarded, then the destination's limit applies. */
  | { readonly state: 'held'; readonly limitDays: number }
  /** Kept until `deleteAt` (the run's end + `limitDays`; `setting` names the destination setting). */
  | { readonly state: 'kept'; readonly deleteAt: string; readonly limitDays: number; readonly setting: RetentionSetting }
  /** Deleted: by the retention sweep, after delivery, or by `rostersync purge` (`how`); `at` when it was recorded. */
  | { readonly state: 'deleted'; readonly at: string | null; readonly how: string }
  /** The run wrote no files (or they went before deletions were recorded). */
  | { readonly state: 'none' };

export type RetentionSetting = 'keepDeliveredDays' | 'keepUndeliveredDays';

/** The days an undelivered run's files are kept when its destination no longer exists. */
export const DEFAULT_KEEP_UNDELIVERED_DAYS = 7;

/** One line for the run page and `history show`. */
export function describeFilesRetention(r: FilesRetention): string {
  switch (r.state) {
    case 'running':
      return 'Generated files: being written.';
    case 'held':
      return `Generated files: kept until the run is approved or discarded, then ${days(r.limitDays)}.`;
    case 'kept':
      return `Generated files: kept until ${r.deleteAt.replace('T', ' ').slice(0, 16)} UTC (${days(r.limitDays)}, ${r.setting}), then deleted.`;
    case 'deleted':
      return `Generated files: deleted${r.at ? ` ${r.at.replace('T', ' ').slice(0, 16)} UTC` : ''} (${r.how}).`;
    case 'none':
      return 'Generated files: none kept.';
    default: {
      const never: never = r;
      return String(never);
    }
  }
}

function days(n: number): string {
  return n === 1 ? '1 day' : `${n} days`;
}
