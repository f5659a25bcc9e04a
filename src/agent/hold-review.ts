/**
 * The review of a held run (dashboard card, approve dialog): the records approving it would remove
 * at the vendor, named from a fresh read of the source — the removed keys are the last good
 * delivery's fingerprints that the held run's fingerprints lack; nothing else is kept about them.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { resolveFormat } from '../formats/custom-formats.js';
import { fingerprintPath, heldRunFingerprints, removedKeysBetween } from '../pipeline/fingerprints.js';
import { buildPlan } from '../pipeline/plan.js';
import { describeRemovedRecords } from '../pipeline/removed-records.js';
import type { FileRemovals, HoldReview } from '../shared/hold-review.js';
import { getSourceDriver } from '../sources/registry.js';
import { loadSourceSecrets, type AgentContext } from '../home/context.js';

const records = (n: number): string => `${n.toLocaleString('en-US')} record${n === 1 ? '' : 's'}`;

/** What approving does at the vendor, per file that loses records (a delta delivery sends deletions only where the format has them). */
function approveEffect(destination: string, files: readonly { file: string; removed: number; current: number }[]): string[] {
  return files
    .filter((f) => f.removed > 0)
    .map((f) =>
      f.current === 0
        ? `${f.file} at ${destination} is replaced by an empty file: all ${records(f.removed)} there are deleted.`
        : `${f.file} at ${destination} is replaced: ${records(f.removed)} there are deleted.`,
    );
}

export async function reviewHeldRun(ctx: AgentContext, runId: number, now: Date = new Date()): Promise<HoldReview | undefined> {
  const { store } = ctx;
  const run = store.getRun(runId);
  const detail = store.getRunDetail(runId, 0);
  if (!run || !detail) return undefined;
  const base = { run, holdReasons: detail.holdReasons, diff: detail.diff, resolvedAt: now.toISOString() };
  const effect = approveEffect(run.destination, detail.diff);
  const unresolved = (why: string): HoldReview => ({ ...base, files: [], approveEffect: effect, unresolved: why });
  if (run.status !== 'held') return unresolved(`Run ${runId} is ${run.status}, not held.`);
  const destination = store.getDestination(run.destination);
  if (!destination) return unresolved(`Destination ${run.destination} no longer exists.`);
  const source = store.getSource(destination.source);
  if (!source) return unresolved(`Source ${destination.source} no longer exists.`);
  const previous = fingerprintPath(ctx.layout.fingerprintsDir, destination.name);
  const held = heldRunFingerprints(join(ctx.layout.runsDir, String(runId)));
  if (!existsSync(previous) || !held) return unresolved('The keys of the last delivery or of this run are no longer kept, so the removed records cannot be named.');
  const files = detail.diff.filter((d) => d.removed > 0).map((d) => d.file);
  const removed = removedKeysBetween(previous, held, files);
  const plan = buildPlan({ format: resolveFormat(destination.format, store.listCustomFormats()), destination, source, siteMap: store.getSiteMap(destination.name), now });
  let described: FileRemovals[];
  try {
    const session = await getSourceDriver(source.type).open(source.settings, loadSourceSecrets(ctx, source));
    try {
      described = await describeRemovedRecords(session, plan, removed, { idNamespaces: source.idNamespaces });
    } finally {
      await session.close();
    }
  } catch (err) {
    return unresolved(`Source ${source.name} could not be read to name the removed records: ${(err as Error).message}`);
  }
  return { ...base, files: described, approveEffect: effect, unresolved: null };
}
