/** Pieces of a run shown in several places: changes (diff), files, findings, event log. */
import { useMemo, useState, type ReactNode } from 'react';
import type { FileDiff, Finding, RunEvent, RunFileRecord } from '../api/types.js';
import { DataGrid, gridColumns } from './data-grid.js';
import { SeverityBadge } from './ui.js';
import { groupFindings, sampleRows, type FindingGroup } from '../../../src/shared/finding-groups.js';
import { formatBytes, formatCount, formatDuration, formatTime } from '../lib/format.js';

export function DiffGrid(props: { readonly diff: readonly FileDiff[]; readonly label?: string }): ReactNode {
  const columns = useMemo(() => {
    const c = gridColumns<FileDiff>();
    return [
      c.accessor('file', { header: 'File', cell: (i) => <span className="mono">{i.getValue()}</span> }),
      c.accessor('previous', { header: 'Before', cell: (i) => formatCount(i.getValue()) }),
      c.accessor('current', { header: 'Now', cell: (i) => formatCount(i.getValue()) }),
      c.accessor('added', { header: 'Added', cell: (i) => (i.getValue() ? `+${formatCount(i.getValue())}` : '0') }),
      c.accessor('removed', {
        header: 'Removed',
        cell: (i) => (i.getValue() ? <strong className="text-err">−{formatCount(i.getValue())}</strong> : '0'),
      }),
      c.accessor('changed', { header: 'Changed', cell: (i) => formatCount(i.getValue()) }),
      c.accessor('unchanged', { header: 'Unchanged', cell: (i) => formatCount(i.getValue()) }),
    ];
  }, []);
  return <DataGrid label={props.label ?? 'Changes since the last delivery'} columns={columns} data={props.diff} getRowId={(d) => d.file} empty="No earlier delivery to compare with." />;
}

export function FilesGrid(props: { readonly files: readonly RunFileRecord[] }): ReactNode {
  const columns = useMemo(() => {
    const c = gridColumns<RunFileRecord>();
    return [
      c.accessor('name', { header: 'File', cell: (i) => <span className="mono">{i.getValue()}</span> }),
      c.accessor('rows', { header: 'Rows', cell: (i) => formatCount(i.getValue()) }),
      c.accessor('bytes', { header: 'Size', cell: (i) => formatBytes(i.getValue()) }),
      c.accessor((f) => f.remotePath ?? '', {
        id: 'remotePath',
        header: 'Delivered as',
        cell: (i) => (i.getValue() ? <span className="mono">{i.getValue()}</span> : <span className="muted">Not delivered</span>),
      }),
      c.accessor((f) => f.personalColumns.length, {
        id: 'personal',
        header: 'Personal columns',
        cell: (i) => <span title={i.row.original.personalColumns.join(', ')}>{i.getValue()}</span>,
      }),
      c.accessor('sha256', { header: 'SHA-256', cell: (i) => <span className="mono muted" title={i.getValue()}>{i.getValue().slice(0, 12)}…</span> }),
    ];
  }, []);
  return <DataGrid label="Files" columns={columns} data={props.files} getRowId={(f) => f.name} empty="This run wrote no files." testId="run-files" />;
}

export function DeliveryGrid(props: { readonly files: readonly RunFileRecord[] }): ReactNode {
  const columns = useMemo(() => {
    const c = gridColumns<RunFileRecord>();
    return [
      c.accessor('name', { header: 'File', cell: (i) => <span className="mono">{i.getValue()}</span> }),
      c.accessor((f) => f.remotePath ?? '', { id: 'remote', header: 'Remote path', cell: (i) => i.getValue() || <span className="muted">—</span> }),
      c.accessor((f) => f.attempts ?? 0, { id: 'attempts', header: 'Attempts', cell: (i) => (i.row.original.attempts ?? '—') }),
      c.accessor((f) => f.deliveredBytes ?? 0, { id: 'delivered', header: 'Uploaded', cell: (i) => formatBytes(i.row.original.deliveredBytes) }),
      c.accessor((f) => f.durationMs ?? 0, { id: 'duration', header: 'Time', cell: (i) => formatDuration(i.row.original.durationMs) }),
    ];
  }, []);
  return <DataGrid label="Delivery attempts" columns={columns} data={props.files} getRowId={(f) => f.name} empty="Nothing was delivered." />;
}

/** Findings grouped by rule and column (errors first): how many rows each cause hit, with sample rows. */
export function FindingGroupsGrid(props: { readonly findings: readonly Finding[]; readonly label: string }): ReactNode {
  const groups = useMemo(() => groupFindings(props.findings), [props.findings]);
  const columns = useMemo(() => {
    const c = gridColumns<FindingGroup>();
    return [
      c.accessor('severity', { header: 'Severity', cell: (i) => <SeverityBadge severity={i.getValue()} /> }),
      c.accessor('file', { header: 'File', cell: (i) => <span className="mono">{i.getValue()}</span> }),
      c.accessor('column', { header: 'Column', cell: (i) => <span className="mono">{i.getValue()}</span> }),
      c.accessor('rule', { header: 'Rule', cell: (i) => <span className="mono small">{i.getValue()}</span> }),
      c.accessor('count', { header: 'Rows', cell: (i) => <strong>{formatCount(i.getValue())}</strong> }),
      c.accessor((g) => g.samples[0]?.message ?? '', { id: 'message', header: 'Problem (first row)' }),
      c.accessor((g) => sampleRows(g), { id: 'rows', header: 'Sample rows', enableSorting: false, cell: (i) => <span className="muted small">{i.getValue()}</span> }),
    ];
  }, []);
  if (!groups.length) return null;
  return <DataGrid label={`${props.label} by rule and column`} columns={columns} data={groups} getRowId={(g) => `${g.severity}|${g.rule}|${g.file}|${g.column}`} pageSize={20} testId="finding-groups" />;
}

export type SeverityFilter = 'all' | 'error' | 'warning';

/** Findings with an Errors / Warnings / All switch. */
export function FindingsGrid(props: {
  readonly findings: readonly Finding[];
  readonly total: number;
  /** Counts over every finding of the run (the list may hold only the first ones). */
  readonly errors?: number;
  readonly warnings?: number;
  readonly label?: string;
}): ReactNode {
  const [filter, setFilter] = useState<SeverityFilter>('all');
  const loadedErrors = props.findings.filter((f) => f.severity === 'error').length;
  const errors = props.errors ?? loadedErrors;
  const warnings = props.warnings ?? props.findings.length - loadedErrors;
  const shown = useMemo(() => (filter === 'all' ? props.findings : props.findings.filter((f) => f.severity === filter)), [filter, props.findings]);
  const columns = useMemo(() => {
    const c = gridColumns<Finding>();
    return [
      c.accessor('severity', { header: 'Severity', cell: (i) => <SeverityBadge severity={i.getValue()} /> }),
      c.accessor('file', { header: 'File', cell: (i) => <span className="mono">{i.getValue()}</span> }),
      c.accessor('row', { header: 'Row', cell: (i) => (i.getValue() === 0 ? 'file' : i.getValue()) }),
      c.accessor('column', { header: 'Column', cell: (i) => <span className="mono">{i.getValue()}</span> }),
      c.accessor('value', { header: 'Value', cell: (i) => (i.getValue() === '' ? <span className="muted">(empty)</span> : <span className="mono">{i.getValue()}</span>) }),
      c.accessor('message', { header: 'Problem' }),
      c.accessor((f) => f.origin ?? '', { id: 'origin', header: 'In the SIS', cell: (i) => <span className="muted small">{i.getValue()}</span> }),
    ];
  }, []);
  const label = props.label ?? 'Validation findings';
  return (
    <div className="stack">
      <FindingGroupsGrid findings={props.findings} label={label} />
    <DataGrid
      label={label}
      columns={columns}
      data={shown}
      filterable
      pageSize={100}
      empty={
        filter === 'all'
          ? 'No findings: every value passed the format’s rules.'
          : (filter === 'error' ? errors : warnings) > 0
            ? `The ${filter === 'error' ? 'errors' : 'warnings'} come after the first ${formatCount(props.findings.length)} findings shown here.`
            : `No ${filter === 'error' ? 'errors' : 'warnings'}.`
      }
      testId="findings"
      toolbar={
        <fieldset className="segmented">
          <legend className="sr-only">Show</legend>
          {(
            [
              ['all', `All (${formatCount(Math.max(props.total, props.findings.length))})`],
              ['error', `Errors (${formatCount(errors)})`],
              ['warning', `Warnings (${formatCount(warnings)})`],
            ] as const
          ).map(([value, text]) => (
            <label key={value} className={filter === value ? 'on' : undefined}>
              <input type="radio" name={`${label}-severity`} value={value} checked={filter === value} onChange={() => setFilter(value)} />
              {text}
            </label>
          ))}
          {props.total > props.findings.length && (
            <span className="muted small">
              showing the first {formatCount(props.findings.length)} of {formatCount(props.total)}
            </span>
          )}
        </fieldset>
      }
    />
    </div>
  );
}

export function EventLog(props: { readonly events: readonly RunEvent[] }): ReactNode {
  if (props.events.length === 0) return <p className="muted">No log entries.</p>;
  return (
    <pre className="log" tabIndex={0} aria-label="Run log">
      {props.events.map((e, i) => (
        <div key={i} className={`lvl-${e.level}`}>
          {formatTime(e.at)} {e.level.toUpperCase().padEnd(5)} [{e.stage}] {e.message}
        </div>
      ))}
    </pre>
  );
}
