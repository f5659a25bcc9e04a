/** History: runs with filters; one run's files, counts, changes, findings, delivery and log; the report. */
import { useMemo, useState, type ReactNode } from 'react';
import { RUN_STATUSES, type RunStatus } from '../../../src/shared/run.js';
import { describeFilesRetention } from '../../../src/shared/retention.js';
import type { RunDetail, RunSummary } from '../api/types.js';
import { DataGrid, gridColumns } from '../components/data-grid.js';
import { DestinationFilter } from '../components/destination-picker.js';
import { CheckField, SelectField, TextField } from '../components/fields.js';
import { ConfirmDialog, Loading, Notice, PageHeader, Panel, STATUS_LABEL, StatusBadge, TabPanel, Tabs } from '../components/ui.js';
import { useApi } from '../lib/api-context.js';
import { saveDownload } from '../lib/download.js';
import { errorMessage } from '../lib/errors.js';
import { formatCount, formatDateTime, formatDuration } from '../lib/format.js';
import { href, navigate } from '../lib/router.js';
import { useToasts } from '../lib/toasts.js';
import { useLoad } from '../lib/use-load.js';
import { DeliveryGrid, DiffGrid, EventLog, FilesGrid, FindingsGrid } from '../components/run-parts.js';
import { CancelRunButton, LiveRowCount, RunProgressLine } from '../components/live-run.js';
import { runStartedOrFinished, useReloadOn } from '../lib/live.js';

export function HistoryScreen(props: { readonly runId?: number }): ReactNode {
  if (props.runId !== undefined && Number.isInteger(props.runId) && props.runId > 0) return <RunView key={props.runId} id={props.runId} />;
  return <RunList />;
}

function durationOf(run: RunSummary): number | null {
  if (!run.endedAt) return null;
  return new Date(run.endedAt).getTime() - new Date(run.startedAt).getTime();
}

function RunList(): ReactNode {
  const api = useApi();
  const [destination, setDestination] = useState('');
  const [status, setStatus] = useState('');
  const [since, setSince] = useState('');
  const [previews, setPreviews] = useState(false);
  const runs = useLoad(
    () =>
      api.listRuns({
        destination: destination || undefined,
        status: (status || undefined) as RunStatus | undefined,
        since: since || undefined,
        includePreviews: previews,
        limit: 500,
      }),
    [api, destination, status, since, previews],
  );
  useReloadOn(runs.reload, runStartedOrFinished);
  const columns = useMemo(() => {
    const c = gridColumns<RunSummary>();
    return [
      c.accessor('id', { header: 'Run', cell: (i) => <a href={href('history', i.getValue())}>#{i.getValue()}</a> }),
      c.accessor('destination', { header: 'Destination' }),
      c.accessor('status', {
        header: 'Status',
        cell: (i) => (
          <>
            <StatusBadge status={i.getValue()} />
            {i.row.original.dryRun && <span className="muted small"> preview</span>}
          </>
        ),
      }),
      c.accessor('trigger', { header: 'Trigger' }),
      c.accessor('startedAt', { header: 'Started', cell: (i) => formatDateTime(i.getValue()) }),
      c.accessor((r) => durationOf(r) ?? -1, { id: 'duration', header: 'Duration', cell: (i) => formatDuration(durationOf(i.row.original)) }),
      c.accessor('rows', { header: 'Rows', cell: (i) => (i.row.original.status === 'running' ? <LiveRowCount runId={i.row.original.id} /> : formatCount(i.getValue())) }),
      c.accessor('errors', { header: 'Errors', cell: (i) => (i.getValue() ? <strong className="text-err">{formatCount(i.getValue())}</strong> : '0') }),
      c.accessor('warnings', { header: 'Warnings', cell: (i) => formatCount(i.getValue()) }),
      c.accessor((r) => r.message ?? '', { id: 'message', header: 'Message', cell: (i) => <span className="muted small">{i.getValue()}</span> }),
    ];
  }, []);
  return (
    <>
      <PageHeader title="History" intro="Every run, newest first. Open a run for its files, changes, findings and log." />
      <Panel>
        <div className="filters">
          <DestinationFilter value={destination} onChange={setDestination} />
          <SelectField
            label="Status"
            value={status}
            onChange={setStatus}
            placeholder="Any status"
            options={RUN_STATUSES.map((s) => ({ value: s, label: STATUS_LABEL[s] }))}
          />
          <TextField label="Started on or after" type="date" value={since} onChange={setSince} />
          <div className="field filter-check">
            <CheckField label="Include previews" checked={previews} onChange={setPreviews} />
          </div>
        </div>
      </Panel>
      {runs.error && <Notice kind="error" title="Runs could not be loaded">{runs.error}</Notice>}
      {runs.loading && !runs.data ? (
        <Loading what="runs" />
      ) : (
        <DataGrid
          label="Runs"
          columns={columns}
          data={runs.data ?? []}
          getRowId={(r) => String(r.id)}
          empty={destination || status || since ? 'No runs match these filters.' : 'No runs yet. Use Sync now on the dashboard.'}
          testId="runs"
        />
      )}
    </>
  );
}

type RunTab = 'files' | 'changes' | 'findings' | 'delivery' | 'log';

function RunView(props: { readonly id: number }): ReactNode {
  const api = useApi();
  const toasts = useToasts();
  const run = useLoad(() => api.getRun({ id: props.id, findingsLimit: 2000 }), [api, props.id]);
  const [tab, setTab] = useState<RunTab>('files');
  const [confirm, setConfirm] = useState<'approve' | 'discard' | null>(null);
  // This run starting (an approval), ending or logging a line: the page shows it without a reload.
  useReloadOn(run.reload, (e) => e.runId === props.id && e.type !== 'progress');

  const download = async (format: 'json' | 'csv'): Promise<void> => {
    try {
      saveDownload(await api.runReport({ id: props.id, format }));
    } catch (err) {
      toasts.error(`The report could not be downloaded: ${errorMessage(err)}`);
    }
  };
  const decide = async (kind: 'approve' | 'discard'): Promise<void> => {
    setConfirm(null);
    try {
      if (kind === 'approve') {
        const started = await api.approveRun({ id: props.id });
        toasts.info(`Run #${props.id} approved: ${started.status === 'success' ? 'delivered' : started.status}.`);
        if (started.runId !== props.id) navigate('history', started.runId);
        else run.reload();
      } else {
        await api.discardRun({ id: props.id });
        toasts.info(`Run #${props.id} discarded.`);
        run.reload();
      }
    } catch (err) {
      toasts.error(errorMessage(err));
    }
  };

  const back = (
    <a className="btn" href={href('history')}>
      All runs
    </a>
  );
  if (run.error) {
    return (
      <>
        <PageHeader title={`Run #${props.id}`} actions={back} />
        <Notice kind="error" title="The run could not be loaded">{run.error}</Notice>
      </>
    );
  }
  const r: RunDetail | undefined = run.data;
  if (!r) return <Loading what={`run #${props.id}`} />;
  const tabs = [
    { id: 'files', label: `Files (${r.files.length})` },
    { id: 'changes', label: 'Changes' },
    { id: 'findings', label: `Findings (${formatCount(r.findingsTotal)})` },
    { id: 'delivery', label: 'Delivery' },
    { id: 'log', label: `Log (${r.events.length})` },
  ];
  return (
    <>
      <PageHeader
        title={`Run #${r.id} · ${r.destination}`}
        intro={r.message ?? undefined}
        actions={
          <>
            {r.status === 'running' && <CancelRunButton key={r.id} runId={r.id} destination={r.destination} />}
            {back}
            <button type="button" className="btn" onClick={() => void download('json')}>
              Download report (JSON)
            </button>
            <button type="button" className="btn" onClick={() => void download('csv')}>
              Download report (CSV)
            </button>
          </>
        }
      />
      {r.status === 'held' && (
        <Notice kind="warn" title="Held for approval">
          <ul className="plain-list">
            {r.holdReasons.map((reason) => (
              <li key={reason}>{reason}</li>
            ))}
          </ul>
          <div className="row top-gap">
            <button type="button" className="btn primary" onClick={() => setConfirm('approve')}>
              Approve
            </button>
            <button type="button" className="btn danger" onClick={() => setConfirm('discard')}>
              Discard
            </button>
          </div>
        </Notice>
      )}
      {r.status === 'running' && (
        <Notice kind="info" title="Running">
          <RunProgressLine runId={r.id} />
        </Notice>
      )}
      <Panel>
        <div className="run-summary">
          <dl className="kv">
            <dt>Status</dt>
            <dd>
              <StatusBadge status={r.status} />
              {r.dryRun && <span className="muted small"> preview (nothing delivered)</span>}
            </dd>
            <dt>Trigger</dt>
            <dd>{r.trigger}</dd>
            <dt>Started</dt>
            <dd>{formatDateTime(r.startedAt)}</dd>
            <dt>Duration</dt>
            <dd>{formatDuration(durationOf(r))}</dd>
            {r.filesRetention && (
              <>
                <dt>Local files</dt>
                <dd data-testid="files-retention">{describeFilesRetention(r.filesRetention).replace(/^Generated files: /, '')}</dd>
              </>
            )}
          </dl>
          <div className="stats" aria-label="Counts">
            <Stat label="Files" value={formatCount(r.files.length)} />
            <Stat label="Rows" value={formatCount(r.rows)} />
            <Stat label="Errors" value={formatCount(r.errors)} />
            <Stat label="Warnings" value={formatCount(r.warnings)} />
          </div>
        </div>
      </Panel>
      <Tabs label="Run details" idPrefix="run" tabs={tabs} selected={tab} onSelect={(t) => setTab(t as RunTab)} />
      <TabPanel idPrefix="run" selected={tab}>
        {tab === 'files' && <FilesGrid files={r.files} />}
        {tab === 'changes' && <DiffGrid diff={r.diff} />}
        {tab === 'findings' && <FindingsGrid findings={r.findings} total={r.findingsTotal} errors={r.errors} warnings={r.warnings} />}
        {tab === 'delivery' && (
          <div className="stack">
            <DeliveryGrid files={r.files} />
            <EventLog events={r.events.filter((e) => e.stage === 'deliver' || e.stage === 'delivery')} />
          </div>
        )}
        {tab === 'log' && <EventLog events={r.events} />}
      </TabPanel>
      <ConfirmDialog
        open={confirm !== null}
        title={confirm === 'approve' ? `Approve run #${r.id}?` : `Discard run #${r.id}?`}
        confirmLabel={confirm === 'approve' ? 'Approve and deliver' : 'Discard'}
        danger={confirm === 'discard'}
        onCancel={() => setConfirm(null)}
        onConfirm={() => confirm && void decide(confirm)}
      >
        <p>{confirm === 'approve' ? `The held files are delivered to ${r.destination}.` : 'The held files are deleted.'}</p>
      </ConfirmDialog>
    </>
  );
}

function Stat(props: { readonly label: string; readonly value: string }): ReactNode {
  return (
    <div className="stat">
      <div className="stat-num">{props.value}</div>
      <div className="stat-label">{props.label}</div>
    </div>
  );
}
