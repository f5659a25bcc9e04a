/**
 * Audit: every delivery from the audit ledger (newest first) with the personal-data columns that held
 * a value and how many rows did, whether the publish completed; and the data-privacy question "which
 * vendors received records about this student, when, which columns". Read-only.
 */
import { useMemo, useState, type ReactNode } from 'react';
import type { AuditDelivery, AuditDeliveryStatus, StudentReceipt } from '../../../src/shared/audit.js';
import { DataGrid, gridColumns } from '../components/data-grid.js';
import { DestinationFilter } from '../components/destination-picker.js';
import { TextField } from '../components/fields.js';
import { Badge, Loading, Notice, PageHeader, Panel } from '../components/ui.js';
import { useApi } from '../lib/api-context.js';
import { errorMessage } from '../lib/errors.js';
import { formatCount, formatDateTime } from '../lib/format.js';
import { href } from '../lib/router.js';
import { useLoad } from '../lib/use-load.js';

const STATUS: Record<AuditDeliveryStatus, { kind: 'ok' | 'error' | 'warning'; label: string }> = {
  complete: { kind: 'ok', label: 'Complete' },
  publishing: { kind: 'error', label: 'Incomplete' },
  'rolled-back': { kind: 'warning', label: 'Rolled back' },
};

/** `users.csv: givenName (812), email (790)` per file that sent personal data. */
function columnsWithCounts(d: AuditDelivery): string {
  return d.files
    .filter((f) => f.personalColumns.length)
    .map((f) => `${f.name}: ${f.personalColumns.map((c) => (f.columnCounts[c] === undefined ? c : `${c} (${formatCount(f.columnCounts[c])})`)).join(', ')}`)
    .join('; ');
}

export function AuditScreen(): ReactNode {
  const api = useApi();
  const [destination, setDestination] = useState('');
  const deliveries = useLoad(() => api.listAudit({ destination: destination || undefined }), [api, destination]);
  const columns = useMemo(() => {
    const c = gridColumns<AuditDelivery>();
    return [
      c.accessor('deliveredAt', { header: 'Delivered', cell: (i) => formatDateTime(i.getValue()) }),
      c.accessor('destination', { header: 'Destination' }),
      c.accessor('runId', { header: 'Run', cell: (i) => <a href={href('history', i.getValue())}>#{i.getValue()}</a> }),
      c.accessor('status', {
        header: 'Publish',
        cell: (i) => (
          <span title={i.row.original.note ?? undefined}>
            <Badge kind={STATUS[i.getValue()].kind}>{STATUS[i.getValue()].label}</Badge>
          </span>
        ),
      }),
      c.accessor('records', { header: 'Records', cell: (i) => formatCount(i.getValue()) }),
      c.accessor((d) => columnsWithCounts(d), { id: 'columns', header: 'Personal-data columns with a value (rows)', cell: (i) => <span className="small">{i.getValue() || '—'}</span> }),
    ];
  }, []);
  return (
    <>
      <PageHeader title="Audit" intro="What went to whom: each delivery's files and the personal-data columns that held a value — names and counts, never values." />
      <Panel>
        <div className="filters">
          <DestinationFilter value={destination} onChange={setDestination} />
        </div>
      </Panel>
      {deliveries.error && <Notice kind="error" title="The audit ledger could not be loaded">{deliveries.error}</Notice>}
      {deliveries.loading && !deliveries.data ? (
        <Loading what="deliveries" />
      ) : (
        <DataGrid label="Deliveries" columns={columns} data={deliveries.data ?? []} getRowId={(d) => `${d.runId}`} empty="No deliveries recorded." testId="audit" />
      )}
      <WhoReceived />
    </>
  );
}

function WhoReceived(): ReactNode {
  const api = useApi();
  const [studentId, setStudentId] = useState('');
  const [answer, setAnswer] = useState<{ id: string; receipts: readonly StudentReceipt[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const ask = async (): Promise<void> => {
    setError(null);
    try {
      setAnswer({ id: studentId.trim(), receipts: await api.whoReceived({ studentId: studentId.trim() }) });
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  const columns = useMemo(() => {
    const c = gridColumns<StudentReceipt>();
    return [
      c.accessor('destination', { header: 'Destination' }),
      c.accessor('file', { header: 'File' }),
      c.accessor('deliveredAt', { header: 'Last delivered', cell: (i) => formatDateTime(i.getValue()) }),
      c.accessor('runId', { header: 'Run', cell: (i) => <a href={href('history', i.getValue())}>#{i.getValue()}</a> }),
      c.accessor((r) => r.personalColumns.join(', '), { id: 'columns', header: 'Personal-data columns', cell: (i) => <span className="small">{i.getValue() || '—'}</span> }),
      c.accessor('firstDeliveredAt', { header: 'File first sent', cell: (i) => formatDateTime(i.getValue()) }),
    ];
  }, []);
  return (
    <Panel title="Who received a student's data">
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          if (studentId.trim()) void ask();
        }}
      >
        <TextField label="Student ID (as delivered)" value={studentId} onChange={setStudentId} type="search" />
        <div className="field">
          <button type="submit" className="btn" disabled={!studentId.trim()}>
            Look up
          </button>
        </div>
      </form>
      {error && <Notice kind="error" title="The question could not be answered">{error}</Notice>}
      {answer && (
        <DataGrid
          label={`Deliveries holding ${answer.id}`}
          columns={columns}
          data={answer.receipts}
          getRowId={(r) => `${r.destination}/${r.file}`}
          empty={`No destination's last delivery holds a record with the key "${answer.id}".`}
          testId="who-received"
        />
      )}
      <p className="muted small">Answered from each destination's fingerprints of its last delivery (record keys, no values) and the audit ledger. Earlier deliveries are counted per file but not per student.</p>
    </Panel>
  );
}
