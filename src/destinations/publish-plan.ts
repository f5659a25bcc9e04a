/**
 * Running a publish plan (types.ts `PublishPlan`) and recovering one a dead process left open, the
 * same way for every destination: the driver supplies the few file operations (`PublishOps`).
 *
 * Order under final names: the previous marker (manifest.csv) is withdrawn first, so a reader that
 * follows it never takes a half-replaced folder for a set; data files are renamed next; files of the
 * previous set that the new one lacks are removed; the new marker appears last. Every step can be run
 * again (a temporary already renamed, whose final name holds its bytes, counts as done), which is
 * what lets recovery finish a plan that a killed process started.
 */
import type { PublishPlan, PublishStep, RecoveryResult, StagedFile } from './types.js';
import { pauseForTest } from './test-pause.js';

export interface PublishOps {
  /** Whether `path` holds exactly the step's file (its size; its hash where reading it back is cheap). */
  holds(path: string, step: PublishStep): Promise<boolean>;
  exists(path: string): Promise<boolean>;
  /** Renames `from` over `to` (replacing it). */
  replace(from: string, to: string): Promise<void>;
  /** Removes `path`; nothing when it is already gone. */
  remove(path: string): Promise<void>;
  /** Uploads the step's file straight to its final name (a driver configured without temporaries; not during recovery). */
  put?(step: PublishStep): Promise<void>;
  /** Makes the renames durable (a folder's directory entry is synced). */
  settle?(): Promise<void>;
}

/** Data files in delivery order, then the markers: the order in which files appear under final names. */
export function publishOrder<T extends Pick<StagedFile, 'order' | 'marker'>>(files: readonly T[]): { data: T[]; markers: T[] } {
  const sorted = files
    .map((file, index) => ({ file, index }))
    .sort((a, b) => a.file.order - b.file.order || a.index - b.index)
    .map((x) => x.file);
  return { data: sorted.filter((f) => !f.marker), markers: sorted.filter((f) => f.marker) };
}

export class MissingTemporaryError extends Error {}

async function place(ops: PublishOps, step: PublishStep): Promise<void> {
  if (step.temp === step.final) {
    // Recovery has no put: it rolls such a plan forward only when every final name already holds its file.
    await ops.put?.(step);
    return;
  }
  if (await ops.exists(step.temp)) {
    await ops.replace(step.temp, step.final);
    return;
  }
  // Renamed already (an earlier attempt, or the process that died) when the final name holds its bytes.
  if (!(await ops.holds(step.final, step))) throw new MissingTemporaryError(`${step.name}: its temporary ${step.temp} is gone and ${step.final} does not hold the new file.`);
}

/** The new marker is already under `path` (a plan run again after it finished): withdrawing it would hide the set just published. */
async function markerPlaced(ops: PublishOps, plan: PublishPlan, path: string): Promise<boolean> {
  const step = plan.markers.find((m) => m.final === path);
  if (!step) return false;
  // Without temporaries, only recovery (no put) runs a plan again, and only once every final name holds its file.
  if (step.temp === step.final) return !ops.put;
  return !(await ops.exists(step.temp)) && (await ops.holds(path, step));
}

/** Runs the plan from wherever it stands. */
export async function runPlan(ops: PublishOps, plan: PublishPlan): Promise<void> {
  for (const path of plan.withdraw) if (!(await markerPlaced(ops, plan, path))) await ops.remove(path);
  for (const [index, step] of plan.data.entries()) {
    await place(ops, step);
    await pauseForTest(`rename:${index + 1}`);
  }
  for (const path of plan.stale) await ops.remove(path);
  for (const step of plan.markers) await place(ops, step);
  await ops.settle?.();
}

/**
 * A plan whose process died: rolled forward when every file is either still complete under its
 * temporary or already complete under its final name; otherwise rolled back — temporaries and the
 * new files already placed are removed, and the marker stays withdrawn, so no reader takes what is
 * left for a complete set.
 */
export async function recoverPlan(ops: PublishOps, plan: PublishPlan): Promise<RecoveryResult> {
  const steps = [...plan.data, ...plan.markers];
  // Journaled while the temporaries were still being made: nothing had changed under a final name.
  if (!steps.length) return { outcome: 'rolled-back', message: 'Stopped while copying the files to a temporary place: nothing had been published; the temporaries were removed.' };
  const incomplete: string[] = [];
  for (const step of steps) {
    if (step.temp !== step.final && (await ops.holds(step.temp, step))) continue;
    if (await ops.holds(step.final, step)) continue;
    incomplete.push(step.name);
  }
  if (!incomplete.length) {
    await runPlan(ops, plan);
    return { outcome: 'rolled-forward', message: `Finished publishing all ${steps.length} file(s) (${steps.map((s) => s.name).join(', ')}); removed ${plan.stale.length} file(s) of the previous set.` };
  }
  const removed: string[] = [];
  for (const step of steps) {
    if (step.temp !== step.final) await ops.remove(step.temp);
    if (await ops.holds(step.final, step)) {
      await ops.remove(step.final);
      removed.push(step.name);
    }
  }
  await ops.settle?.();
  return {
    outcome: 'rolled-back',
    message:
      `Could not finish publishing: ${incomplete.join(', ')} ${incomplete.length === 1 ? 'was' : 'were'} not complete. Removed the temporaries` +
      `${removed.length ? ` and the new file(s) already in place (${removed.join(', ')})` : ''}; the previous marker stays withdrawn, so no partial set looks complete. The next run publishes a whole set.`,
  };
}
