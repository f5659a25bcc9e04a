/** Dashboard: every destination with its last and next run and status; holds waiting for approval; Sync now. */
import { useMemo, useState, type ReactNode } from 'react';
import { heldHeadline, type HoldReview } from '../../../src/shared/hold-review.js';
import type { DashboardDestination, DestinationStatus, HeldRun, RunSummary } from '../api/types.js';
import { DataGrid, gridColumns } from '../components/data-grid.js';
import { Badge, ConfirmDialog, Loading, Notice, PageHeader, Panel, StatusBadge, type BadgeKind } from '../components/ui.js';
import { useApi } from '../lib/api-context.js';
import { errorMessage } from '../lib/errors.js';
import { formatCount, formatDateTime, formatRelative } from '../lib/format.js';
import { href } from '../lib/router.js';
import { useToasts } from '../lib/toasts.js';
import { useLoad } from '../lib/use-load.js';
import { ApproveEffect, byConcern, HoldCard, removalHeadline } from '../components/hold-review.js';
import { CancelRunButton, LiveRowCount, RunProgressLine } from '../components/live-run.js';
import { runStartedOrFinished, useReloadOn } from '../lib/live.js';

const STATUS_TEXT: Record<DestinationStatus, { kind: BadgeKind; text: string }> = {
  ok: { kind: 'success', text: 'OK' },
  failed: { kind: 'failed', text: 'Failed' },
  held: { kind: 'held', text: 'Held for approval' },
  discarded: { kind: 'discarded', text: 'Discarded' },
  running: { kind: 'running', text: 'Running' },
  never: { kind: 'never', text: 'Never run' },
  disabled: { kind: 'skipped', text: 'Disabled' },
};

function DestinationStatusBadge(props: { readonly status: DestinationStatus }): ReactNode {
  const s = STATUS_TEXT[props.status];
  return <Badge kind={s.kind}>{s.text}</Badge>;
}

export function DashboardScreen(): ReactNode {
  const api = useApi();
  const toasts = useToasts();
  const dashboard = useLoad(() => api.getDashboard({}), [api]);
  const recent = useLoad(() => api.listRuns({ limit: 8 }), [api]);
  const [busy, setBusy] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<{ kind: 'approve' | 'discard'; run: RunSummary; review: HoldReview | null } | null>(null);

  const reloadAll = (): void => {
    dashboard.reload();
    recent.reload();
  };
  // A run starting or ending anywhere on this data folder (the agent's schedule, the CLI, another window) refreshes the page.
  useReloadOn(reloadAll, runStartedOrFinished);
  const holds = dashboard.data?.holds;

  const syncNow = async (name: string): Promise<void> => {
    setBusy(name);
    try {
      const started = await api.syncNow({ destination: name });
      toasts.info(`Sync of ${name} started (run #${started.runId}).`);
    } catch (err) {
      toasts.error(`Sync now for ${name} failed: ${errorMessage(err)}`);
    } finally {
      setBusy(null);
      reloadAll();
    }
  };

  const decide = async (kind: 'approve' | 'discard', run: RunSummary): Promise<void> => {
    setConfirm(null);
    try {
      if (kind === 'approve') {
        const r = await api.approveRun({ id: run.id });
        toasts.info(r.runId === run.id ? `Run #${run.id} approved: ${r.status === 'success' ? 'delivered' : r.status}.` : `Run #${run.id} approved; delivery run #${r.runId}: ${r.status}.`);
      } else {
        await api.discardRun({ id: run.id });
        toasts.info(`Run #${run.id} discarded.`);
      }
    } catch (err) {
      toasts.error(`${kind === 'approve' ? 'Approve' : 'Discard'} run #${run.id} failed: ${errorMessage(err)}`);
    } finally {
      reloadAll();
    }
  };

  const togglePause = async (): Promise<void> => {
    try {
      const state = dashboard.data?.schedulesPaused ? await api.resumeSchedules({}) : await api.pauseSchedules({});
      toasts.info(state.paused ? 'Scheduled runs paused.' : 'Scheduled runs resumed.');
    } catch (err) {
      toasts.error(errorMessage(err));
    } finally {
      dashboard.reload();
    }
  };

  const columns = useMemo(() => {
    const c = gridColumns<DashboardDestination>();
    return [
      c.accessor('name', {
        header: 'Destination',
        cell: (info) => (
          <span>
            <a href={href('destinations', info.getValue())}>{info.getValue()}</a>
            <br />
            <span className="muted small">
              {info.row.original.format} · from {info.row.original.source}
            </span>
          </span>
        ),
      }),
      c.accessor('status', {
        header: 'Status',
        cell: (info) => {
          const running = runningRun(info.row.original);
          return (
            <span>
              <DestinationStatusBadge status={info.getValue()} />
              {running && (
                <>
                  <br />
                  <RunProgressLine runId={running.id} />
                </>
              )}
            </span>
          );
        },
      }),
      c.accessor((d) => d.lastRun?.startedAt ?? '', {
        id: 'lastRun',
        header: 'Last run',
        cell: (info) => {
          const run = info.row.original.lastRun;
          if (!run) return <span className="muted">Never</span>;
          return (
            <span>
              <a href={href('history', run.id)} title={formatDateTime(run.startedAt)}>
                {formatRelative(run.startedAt)}
              </a>{' '}
              <StatusBadge status={run.status} />
              {run.status !== 'running' && (
                <>
                  <br />
                  <span className="muted small">
                    {formatCount(run.rows)} rows · {run.errors} errors · {run.warnings} warnings
                  </span>
                </>
              )}
            </span>
          );
        },
      }),
      c.accessor((d) => d.lastSuccess?.startedAt ?? '', {
        id: 'lastSuccess',
        header: 'Last success',
        cell: (info) => (info.row.original.lastSuccess ? formatRelative(info.row.original.lastSuccess.startedAt) : <span className="muted">Never</span>),
      }),
      c.accessor((d) => d.nextRun ?? '', {
        id: 'nextRun',
        header: 'Next run',
        cell: (info) => {
          const d = info.row.original;
          if (!d.enabled) return <span className="muted">Disabled</span>;
          if (!d.scheduleEnabled) return <span className="muted">Not scheduled</span>;
          return d.nextRun ? <span title={formatDateTime(d.nextRun)}>{formatRelative(d.nextRun)}</span> : <span className="muted">—</span>;
        },
      }),
      c.display({
        id: 'actions',
        header: () => <span className="sr-only">Actions</span>,
        cell: (info) => {
          const d = info.row.original;
          const running = runningRun(d);
          const held = holds?.find((h) => h.run.destination === d.name);
          return (
            <span className="stack-tight">
              {running ? (
                <CancelRunButton key={running.id} runId={running.id} destination={d.name} small />
              ) : (
                <button
                  type="button"
                  className="btn small primary"
                  disabled={busy !== null || d.status === 'held' || held !== undefined || !d.enabled}
                  onClick={() => void syncNow(d.name)}
                  aria-label={`Sync ${d.name} now`}
                  aria-describedby={held ? `held-reason-${d.name}` : undefined}
                >
                  Sync now
                </button>
              )}
              {held && !running && (
                <span className="muted small" id={`held-reason-${d.name}`} data-testid={`held-reason-${d.name}`}>
                  Run <a href={href('history', held.run.id)}>#{held.run.id}</a> is held for approval: review it (above), then approve or discard it before
                  a new run.
                </span>
              )}
            </span>
          );
        },
      }),
    ];
  }, [busy, holds]);

  const data = dashboard.data;
  return (
    <>
      <PageHeader
        title="Dashboard"
        intro="Every destination, its last and next delivery, and anything waiting for approval."
        actions={
          data && (
            <button type="button" className="btn" onClick={() => void togglePause()}>
              {data.schedulesPaused ? 'Resume schedules' : 'Pause schedules'}
            </button>
          )
        }
      />
      {dashboard.error && <Notice kind="error" title="The dashboard could not be loaded">{dashboard.error}</Notice>}
      {!data && !dashboard.error && <Loading what="the dashboard" />}
      {data && (
        <>
          {data.agent.scheduling === 'nobody' && (
            <Notice kind="error" title="No agent is running: nothing runs on schedule">
              Start the agent (<code>rostersync agent</code> or <code>rostersync ui</code>) or install it as a service (<code>rostersync service install</code>). Sync now still works.
            </Notice>
          )}
          {data.schedulesPaused && (
            <Notice kind="warn" title="Scheduled runs are paused">
              Nothing runs on schedule until you resume. Sync now still works.
            </Notice>
          )}
          {data.notificationChannels
            .filter((c) => c.failing)
            .map((c) => (
              <Notice key={c.channel} kind="error" title={`Alerts are not reaching the ${c.channel === 'email' ? 'mail server' : 'webhook'}`}>
                Failing since {formatDateTime(c.lastErrorAt ?? '')}: {c.lastError}. {c.waiting} alert(s) will be retried. Check the settings under{' '}
                <a href={href('settings')}>Settings</a>.
              </Notice>
            ))}
          {data.destinations
            .filter((d) => d.incident)
            .map((d) => (
              <Notice key={d.name} kind="error" title={`${d.name} ${d.incident!.cause === 'stale' ? 'has not delivered for too long' : 'is failing'}`}>
                Since {formatDateTime(d.incident!.openedAt)}
                {d.incident!.failures ? `, ${d.incident!.failures} failed run(s)` : ''}. {d.incident!.lastMessage}
              </Notice>
            ))}
          {data.holds.length > 0 && (
            <Panel title={`Held for approval (${data.holds.length})`}>
              <div className="stack">
                {data.holds.map((hold) => (
                  <HoldCard key={hold.run.id} hold={hold} onDecide={(kind, review) => setConfirm({ kind, run: hold.run, review })} />
                ))}
              </div>
            </Panel>
          )}
          <Panel title="Destinations">
            {data.destinations.length === 0 ? (
              <GettingStarted />
            ) : (
              <DataGrid label="Destinations" columns={columns} data={data.destinations} getRowId={(d) => d.name} testId="dashboard-destinations" />
            )}
          </Panel>
          {(data.destinations.length > 0 || (recent.data ?? []).length > 0) && (
            <Panel title="Recent runs" actions={<a href={href('history')}>All runs</a>}>
              <RecentRuns runs={recent.data ?? []} holds={data.holds} />
            </Panel>
          )}
        </>
      )}
      <ConfirmDialog
        open={confirm !== null}
        title={confirm?.kind === 'approve' ? `Approve run #${confirm.run.id}?` : `Discard run #${confirm?.run.id ?? ''}?`}
        confirmLabel={confirm?.kind === 'approve' ? 'Approve and deliver' : 'Discard'}
        danger={confirm?.kind === 'discard'}
        onCancel={() => setConfirm(null)}
        onConfirm={() => confirm && void decide(confirm.kind, confirm.run)}
      >
        {confirm?.kind === 'approve' ? (
          <div className="stack">
            {confirm.review && byConcern(confirm.review.files).slice(0, 2).map((f) => (
              <p key={f.file}>{removalHeadline(f)}</p>
            ))}
            <ApproveEffect review={confirm.review} run={confirm.run} />
          </div>
        ) : (
          <p>Nothing is delivered; {confirm?.run.destination ?? ''} keeps its previous data. The run shows as discarded.</p>
        )}
      </ConfirmDialog>
    </>
  );
}

function GettingStarted(): ReactNode {
  return (
    <div className="stack">
      <p>No destinations yet. Set one up in four steps:</p>
      <ol className="getting-started">
        <li>
          <a href={href('sources', '+new')}>Add a source</a> — your SIS database or export folder.
        </li>
        <li>
          <a href={href('destinations', '+new')}>Add a destination</a> — the vendor’s SFTP server.
        </li>
        <li>
          <a href={href('mapping')}>Map the vendor’s format</a> to your SIS fields.
        </li>
        <li>
          <a href={href('sitemap')}>Enter the vendor’s site IDs</a> for your schools.
        </li>
      </ol>
    </div>
  );
}

/** The destination's run that is going now (its newest real run, while the destination shows running). */
function runningRun(d: DashboardDestination): RunSummary | undefined {
  return d.lastRun?.status === 'running' ? d.lastRun : undefined;
}

/** A held run's line in the list is short (what would be removed, and a link to review); its whole message is on the run page. */
function HeldMessage(props: { readonly run: RunSummary; readonly hold: HeldRun | undefined }): ReactNode {
  return (
    <span className="small" data-testid={`recent-held-${props.run.id}`}>
      {heldHeadline(props.hold?.diff ?? [])} — <a href={href('history', props.run.id)}>review</a>
    </span>
  );
}

function RecentRuns(props: { readonly runs: readonly RunSummary[]; readonly holds: readonly HeldRun[] }): ReactNode {
  const { holds } = props;
  const columns = useMemo(() => {
    const c = gridColumns<RunSummary>();
    return [
      c.accessor('id', { header: 'Run', cell: (info) => <a href={href('history', info.getValue())}>#{info.getValue()}</a> }),
      c.accessor('destination', { header: 'Destination' }),
      c.accessor('status', { header: 'Status', cell: (info) => <StatusBadge status={info.getValue()} /> }),
      c.accessor('startedAt', { header: 'Started', cell: (info) => formatDateTime(info.getValue()) }),
      c.accessor('rows', {
        header: 'Rows',
        cell: (info) => (info.row.original.status === 'running' ? <LiveRowCount runId={info.row.original.id} /> : formatCount(info.getValue())),
      }),
      c.accessor('message', {
        header: 'Message',
        cell: (info) => {
          const run = info.row.original;
          if (run.status === 'held') return <HeldMessage run={run} hold={holds.find((h) => h.run.id === run.id)} />;
          return <span className="muted">{info.getValue() ?? ''}</span>;
        },
      }),
    ];
  }, [holds]);
  return <DataGrid label="Recent runs" columns={columns} data={props.runs} empty="No runs yet." getRowId={(r) => String(r.id)} />;
}
