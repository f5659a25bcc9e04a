/**
 * A held run, reviewed: why it was held (the thresholds that tripped), who would disappear at the
 * vendor — grouped by school, grade and role, with sample names and IDs read from the source now —
 * and what approving does. Used by the dashboard's hold cards and the approve dialog.
 */
import { useEffect, useState, type ReactNode } from 'react';
import type { FileRemovals, HoldReview, RemovalGroup } from '../../../src/shared/hold-review.js';
import type { HeldRun } from '../api/types.js';
import { useApi } from '../lib/api-context.js';
import { errorMessage } from '../lib/errors.js';
import { formatCount, formatDateTime, plural } from '../lib/format.js';
import { href } from '../lib/router.js';
import { DiffGrid } from './run-parts.js';
import { Loading, Notice } from './ui.js';

/** Loads the review of one held run (the agent reads the source for it: once per card, not polled). */
export function useHoldReview(runId: number): { review: HoldReview | null; error: string | null } {
  const api = useApi();
  const [review, setReview] = useState<HoldReview | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    api.reviewHeldRun({ id: runId }).then(
      (r) => live && setReview(r),
      (err: unknown) => live && setError(errorMessage(err)),
    );
    return () => {
      live = false;
    };
  }, [api, runId]);
  return { review, error };
}

function sampleText(group: RemovalGroup): string {
  const names = group.samples.map((s) => (s.name ? `${s.name} (${s.id})` : s.id));
  return group.count > names.length ? `${names.join(', ')}, …` : names.join(', ');
}

function SchoolTable(props: { readonly groups: readonly RemovalGroup[]; readonly file: string }): ReactNode {
  if (!props.groups.length) return null;
  return (
    <table className="removal-groups" aria-label={`${props.file}: removed records by school`}>
      <thead>
        <tr>
          <th scope="col">School</th>
          <th scope="col" className="num">
            Records
          </th>
          <th scope="col">For example</th>
        </tr>
      </thead>
      <tbody>
        {props.groups.map((g) => (
          <tr key={g.label}>
            <th scope="row">{g.label}</th>
            <td className="num">{formatCount(g.count)}</td>
            <td className="small">{sampleText(g)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** "5 (40) · 04 (38) · …": a dimension's groups on one line. */
function GroupLine(props: { readonly title: string; readonly groups: readonly RemovalGroup[]; readonly file: string }): ReactNode {
  if (!props.groups.length) return null;
  return (
    <p className="small" aria-label={`${props.file}: removed records by ${props.title.toLowerCase()}`}>
      <span className="muted">By {props.title.toLowerCase()}:</span> {props.groups.map((g) => `${g.label} (${formatCount(g.count)})`).join(' · ')}
    </p>
  );
}

/** One sentence naming the largest school group, e.g. "all 667 from Lincoln Elementary (003)". */
export function removalHeadline(f: FileRemovals): string {
  const top = f.bySchool[0];
  if (!top) return `${plural(f.removed, 'record')} would be removed from ${f.file}; none of them is in the source any more.`;
  const share = top.count === f.removed ? `all ${formatCount(top.count)}` : `${formatCount(top.count)} of them`;
  return `${plural(f.removed, 'record')} would be removed from ${f.file}: ${share} from ${top.label}.`;
}

const PEOPLE = new Set(['Student', 'Teacher', 'Guardian', 'Administrator', 'Aide']);

/** Files with people first (what an admin is asked about), then by how much they lose. */
export function byConcern(files: readonly FileRemovals[]): FileRemovals[] {
  const people = (f: FileRemovals): number => f.byRole.filter((g) => PEOPLE.has(g.label)).reduce((n, g) => n + g.count, 0);
  return [...files].sort((a, b) => people(b) - people(a) || b.removed - a.removed);
}

export function FileRemovalsView(props: { readonly removals: FileRemovals; readonly open: boolean }): ReactNode {
  const f = props.removals;
  return (
    <details className="removals" open={props.open} data-testid={`removals-${f.file}`}>
      <summary>
        <strong>{removalHeadline(f)}</strong>
      </summary>
      <div className="stack details-body">
        <SchoolTable groups={f.bySchool} file={f.file} />
        <GroupLine title="Grade" groups={f.byGrade} file={f.file} />
        <GroupLine title="Role" groups={f.byRole} file={f.file} />
        {f.notInSource.count > 0 && (
          <p className="muted small">
            {plural(f.notInSource.count, 'record')} no longer in the source at all (for example {f.notInSource.sampleIds.join(', ')}).
          </p>
        )}
      </div>
    </details>
  );
}

/** What approving does at the vendor, as a list; the same in the card and the dialog. */
export function ApproveEffect(props: { readonly review: HoldReview | null; readonly run: HeldRun['run'] }): ReactNode {
  if (!props.review) return <p>The held files are delivered to {props.run.destination} as they are.</p>;
  if (!props.review.approveEffect.length) return <p>The held files are delivered to {props.run.destination}; no records are deleted there.</p>;
  return (
    <ul className="plain-list" data-testid="approve-effect">
      {props.review.approveEffect.map((e) => (
        <li key={e}>{e}</li>
      ))}
    </ul>
  );
}

export function HoldCard(props: { readonly hold: HeldRun; readonly onDecide: (kind: 'approve' | 'discard', review: HoldReview | null) => void }): ReactNode {
  const { run, holdReasons, diff } = props.hold;
  const { review, error } = useHoldReview(run.id);
  return (
    <article className="card" aria-label={`Held run ${run.id} for ${run.destination}`}>
      <div className="card-head">
        <h3>
          <a href={href('history', run.id)}>Run #{run.id}</a> · {run.destination}
        </h3>
        <span className="muted small">{formatDateTime(run.startedAt)}</span>
      </div>
      <Notice kind="warn" title="Why it was held">
        <ul className="plain-list">
          {holdReasons.map((r) => (
            <li key={r}>{r}</li>
          ))}
        </ul>
      </Notice>
      <div className="stack" data-testid="hold-review">
        <h4>Who would be removed at {run.destination}</h4>
        {error && <Notice kind="error">The removed records could not be named: {error}</Notice>}
        {!review && !error && <Loading what="the removed records from the source" />}
        {review?.unresolved && <Notice kind="warn">{review.unresolved}</Notice>}
        {review && byConcern(review.files).map((f, i) => <FileRemovalsView key={f.file} removals={f} open={i === 0} />)}
        {review && !review.unresolved && review.files.length === 0 && <p className="muted">No records would be removed; the run was held for changes.</p>}
        {review && <p className="muted small">Names read from the source at {formatDateTime(review.resolvedAt)}.</p>}
      </div>
      <div className="stack">
        <h4>Approving will</h4>
        <ApproveEffect review={review} run={run} />
      </div>
      {diff.length > 0 && <DiffGrid diff={diff} label={`Changes in held run ${run.id}`} />}
      <div className="row">
        <button type="button" className="btn primary" onClick={() => props.onDecide('approve', review)}>
          Approve
        </button>
        <button type="button" className="btn danger" onClick={() => props.onDecide('discard', review)}>
          Discard
        </button>
      </div>
    </article>
  );
}
