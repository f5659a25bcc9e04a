/**
 * Site-ID map: SIS school code → the vendor's site ID (and a label), per destination. Edit in the
 * grid, import a CSV or Excel sheet, export it; schools seen in the source without a site ID are listed.
 */
import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { SiteMapEntry, UnmappedSchool } from '../api/types.js';
import { DataGrid, gridColumns } from '../components/data-grid.js';
import { DestinationPicker } from '../components/destination-picker.js';
import { Loading, Notice, NotSavedNotice, PageHeader, Panel } from '../components/ui.js';
import { useApi } from '../lib/api-context.js';
import { fileToBase64, saveDownload } from '../lib/download.js';
import { errorMessage } from '../lib/errors.js';
import { navigate } from '../lib/router.js';
import { useToasts } from '../lib/toasts.js';
import { findProblems } from '../lib/site-map.js';
import { useLoad } from '../lib/use-load.js';
import { describeLostLeadingZeros, padLostLeadingZeros, padQuestion, type SiteMapCodeCheck } from '../../../src/shared/school-codes.js';
import { useUnsavedChanges } from '../lib/unsaved-changes.js';

interface Row extends SiteMapEntry {
  /** Stable key while the code is being edited. */
  readonly key: number;
}

export function SiteMapScreen(props: { readonly destination?: string }): ReactNode {
  const api = useApi();
  const destinations = useLoad(() => api.listDestinations({}), [api]);
  const names = (destinations.data ?? []).map((d) => d.config.name);
  // With one destination there is nothing to choose.
  useEffect(() => {
    if (!props.destination && names.length === 1 && names[0]) navigate('sitemap', names[0]);
  }, [props.destination, names]);
  return (
    <>
      <PageHeader title="Site IDs" intro="The vendor’s ID for each of your schools. Vendors usually send these as a spreadsheet." />
      {destinations.error && <Notice kind="error">{destinations.error}</Notice>}
      <DestinationPicker what="Site IDs" route="sitemap" names={names} loaded={Boolean(destinations.data)} selected={props.destination} />
      {props.destination && destinations.data && <SiteMapEditor key={props.destination} destination={props.destination} />}
    </>
  );
}

function SiteMapEditor(props: { readonly destination: string }): ReactNode {
  const api = useApi();
  const toasts = useToasts();
  const saved = useLoad(() => api.getSiteMap({ destination: props.destination }), [api, props.destination]);
  const unmapped = useLoad(() => api.unmappedSchools({ destination: props.destination }), [api, props.destination]);
  const [rows, setRows] = useState<readonly Row[] | null>(null);
  const [imported, setImported] = useState<string | null>(null);
  /** An import's codes that lost their leading zeros, until the admin pads or keeps them. */
  const [lostZeros, setLostZeros] = useState<SiteMapCodeCheck | null>(null);
  const [error, setError] = useState<string | null>(null);
  const nextKey = useRef(1);
  const fileInput = useRef<HTMLInputElement>(null);
  const withKeys = (entries: readonly SiteMapEntry[]): Row[] => entries.map((e) => ({ ...e, key: nextKey.current++ }));

  // The grid starts from the saved map, and again after each save.
  useEffect(() => {
    if (saved.data) setRows(withKeys(saved.data));
  }, [saved.data]);

  const update = (key: number, p: Partial<SiteMapEntry>): void => {
    setRows((all) => (all ?? []).map((r) => (r.key === key ? { ...r, ...p } : r)));
  };
  const add = (entry: SiteMapEntry = { schoolCode: '', siteId: '', label: '' }): void => {
    setRows((all) => [...(all ?? []), ...withKeys([entry])]);
  };
  const removeRow = (key: number): void => {
    setRows((all) => (all ?? []).filter((r) => r.key !== key));
  };
  const problems = useMemo(() => findProblems(rows ?? []), [rows]);
  const dirty = useUnsavedChanges(rows ? rows.map(({ schoolCode, siteId, label }) => ({ schoolCode, siteId, label })) : saved.data, saved.data);

  const save = async (): Promise<void> => {
    setError(null);
    if (lostZeros && padQuestion(lostZeros.lostLeadingZeros)) {
      setError('Some imported school codes look like they lost their leading zeros: pad them or keep them as imported first (above the grid).');
      return;
    }
    if (problems.length) {
      setError(problems.join(' '));
      return;
    }
    try {
      const entries = (rows ?? []).map(({ schoolCode, siteId, label }) => ({ schoolCode: schoolCode.trim(), siteId: siteId.trim(), label: label.trim() }));
      const result = await api.saveSiteMap({ destination: props.destination, entries });
      saved.reload();
      setImported(null);
      setLostZeros(null);
      toasts.info(`Site IDs for ${props.destination} saved (${result.length} schools).`);
      unmapped.reload();
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  const importFile = async (file: File): Promise<void> => {
    setError(null);
    try {
      const result = await api.importSiteMap({ destination: props.destination, fileName: file.name, contentBase64: await fileToBase64(file), save: false });
      setRows(withKeys(result.entries));
      setLostZeros(result.codeCheck.lostLeadingZeros.length ? result.codeCheck : null);
      setImported(`${result.entries.length} schools read from ${file.name}. Review them, then save.`);
    } catch (err) {
      setError(`${file.name}: ${errorMessage(err)}`);
    } finally {
      if (fileInput.current) fileInput.current.value = '';
    }
  };
  const exportAs = async (format: 'csv' | 'xlsx'): Promise<void> => {
    try {
      saveDownload(await api.exportSiteMap({ destination: props.destination, format }));
    } catch (err) {
      toasts.error(`Export failed: ${errorMessage(err)}`);
    }
  };

  const columns = useMemo(() => {
    const c = gridColumns<Row>();
    return [
      c.accessor('schoolCode', {
        header: 'SIS school code',
        cell: (i) => (
          <input
            type="text"
            aria-label={`SIS school code, row ${i.row.index + 1}`}
            value={i.getValue()}
            onChange={(e) => update(i.row.original.key, { schoolCode: e.target.value })}
          />
        ),
      }),
      c.accessor('siteId', {
        header: 'Vendor site ID',
        cell: (i) => (
          <input
            type="text"
            aria-label={`Vendor site ID for school ${i.row.original.schoolCode || i.row.index + 1}`}
            value={i.getValue()}
            aria-invalid={i.getValue().trim() === '' ? true : undefined}
            onChange={(e) => update(i.row.original.key, { siteId: e.target.value })}
          />
        ),
      }),
      c.accessor('label', {
        header: 'Label',
        cell: (i) => (
          <input
            type="text"
            aria-label={`Label for school ${i.row.original.schoolCode || i.row.index + 1}`}
            value={i.getValue()}
            onChange={(e) => update(i.row.original.key, { label: e.target.value })}
          />
        ),
      }),
      c.display({
        id: 'remove',
        header: () => <span className="sr-only">Remove</span>,
        cell: (i) => (
          <button type="button" className="btn small danger" onClick={() => removeRow(i.row.original.key)} aria-label={`Remove school ${i.row.original.schoolCode || i.row.index + 1}`}>
            Remove
          </button>
        ),
      }),
    ];
  }, []);

  const missing = (unmapped.data ?? []).filter((u) => !(rows ?? []).some((r) => r.schoolCode.trim() === u.schoolCode));

  return (
    <>
      <Panel
        title={`Site IDs for ${props.destination}`}
        actions={
          <>
            <label className="btn file-btn">
              Import CSV or Excel…
              <input
                ref={fileInput}
                type="file"
                className="sr-only"
                accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                onChange={(e) => {
                  const f = e.target.files?.[0];
                  if (f) void importFile(f);
                }}
              />
            </label>
            <button type="button" className="btn" onClick={() => void exportAs('csv')} disabled={dirty}>
              Export CSV
            </button>
            <button type="button" className="btn" onClick={() => void exportAs('xlsx')} disabled={dirty}>
              Export Excel
            </button>
          </>
        }
      >
        <p className="muted small">Files need the columns school code, site ID and (optionally) label; the first row holds the headings.</p>
        {saved.error && <Notice kind="error">{saved.error}</Notice>}
        {imported && <Notice kind="info">{imported}</Notice>}
        {lostZeros && (
          <LeadingZerosOffer
            check={lostZeros}
            onPad={() => {
              setRows((all) => (all ?? []).map((r) => ({ ...r, ...padLostLeadingZeros([r], lostZeros.lostLeadingZeros)[0] })));
              setLostZeros(null);
            }}
            onKeep={() => setLostZeros(null)}
          />
        )}
        {!rows ? (
          <Loading what="site IDs" />
        ) : (
          <div className="top-gap">
            <DataGrid
              label="Site ID map"
              columns={columns}
              data={rows}
              getRowId={(r) => String(r.key)}
              filterable
              pageSize={200}
              empty="No schools mapped yet. Add a row, import a file, or add the schools listed below."
              testId="site-map"
            />
          </div>
        )}
        <NotSavedNotice error={error} />
        <div className="form-actions">
          <button type="button" className="btn primary" onClick={() => void save()} disabled={!dirty}>
            Save site IDs
          </button>
          <button type="button" className="btn" onClick={() => add()}>
            Add row
          </button>
          {dirty && <span className="muted small">Unsaved changes</span>}
        </div>
      </Panel>
      <Panel title="Schools in the source without a site ID">
        {unmapped.error && <Notice kind="warn">The source could not be read: {unmapped.error}</Notice>}
        {unmapped.loading && !unmapped.data ? (
          <Loading what="schools" />
        ) : (
          !unmapped.error && <UnmappedGrid schools={missing} onAdd={(u) => add({ schoolCode: u.schoolCode, siteId: '', label: u.name })} />
        )}
      </Panel>
    </>
  );
}

function UnmappedGrid(props: { readonly schools: readonly UnmappedSchool[]; readonly onAdd: (u: UnmappedSchool) => void }): ReactNode {
  const onAdd = useRef(props.onAdd);
  onAdd.current = props.onAdd;
  const columns = useMemo(() => {
    const c = gridColumns<UnmappedSchool>();
    return [
      c.accessor('schoolCode', { header: 'SIS school code', cell: (i) => <span className="mono">{i.getValue()}</span> }),
      c.accessor('name', { header: 'Name' }),
      c.display({
        id: 'add',
        header: () => <span className="sr-only">Add</span>,
        cell: (i) => (
          <button type="button" className="btn small" onClick={() => onAdd.current(i.row.original)} aria-label={`Add ${i.row.original.schoolCode} to the map`}>
            Add to map
          </button>
        ),
      }),
    ];
  }, []);
  return <DataGrid label="Unmapped schools" columns={columns} data={props.schools} getRowId={(u) => u.schoolCode} empty="Every school in the source has a site ID." testId="unmapped-schools" />;
}

/** The codes of an imported file that lost their leading zeros, with the offer to pad them back. */
function LeadingZerosOffer(props: { readonly check: SiteMapCodeCheck; readonly onPad: () => void; readonly onKeep: () => void }): ReactNode {
  const question = padQuestion(props.check.lostLeadingZeros);
  return (
    <Notice kind="warn" title="School codes that lost their leading zeros" testId="leading-zeros">
      <ul>
        {describeLostLeadingZeros(props.check.lostLeadingZeros).map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
      <p className="small">
        Compared with {props.check.comparedWith}.{props.check.notes.map((n) => ` ${n}`).join('')}
      </p>
      {question ? (
        <div className="row">
          <strong>{question}</strong>
          <button type="button" className="btn primary small" onClick={props.onPad}>
            {question.replace(/\?$/, '')}
          </button>
          <button type="button" className="btn small" onClick={props.onKeep}>
            Keep as imported
          </button>
        </div>
      ) : (
        <div className="row">
          <button type="button" className="btn small" onClick={props.onKeep}>
            Dismiss
          </button>
        </div>
      )}
    </Notice>
  );
}
