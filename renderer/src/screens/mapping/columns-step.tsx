/** Step 2: where each vendor column comes from, file by file, with the required ones that are not mapped listed first. */
import { useMemo, useState, type ReactNode } from 'react';
import type { Entity } from '../../../../src/shared/format.js';
import type { DestinationConfig, MappingSuggestions } from '../../api/types.js';
import { DataGrid, gridColumns } from '../../components/data-grid.js';
import { Badge, Notice, TabPanel, Tabs } from '../../components/ui.js';
import { ENTITY_LABELS } from '../../lib/entity-labels.js';
import { plural } from '../../lib/format.js';
import { cellId, stateText, suggestionFor, type ColumnRow, type OnMap } from './column-row.js';
import { LivePreview } from './live-preview.js';
import { SourceCell } from './source-cell.js';
import { TransformCell } from './transform-cell.js';

export function ColumnsStep(props: {
  readonly config: DestinationConfig;
  readonly rows: readonly ColumnRow[];
  readonly problems: readonly ColumnRow[];
  readonly suggestions: MappingSuggestions;
  readonly onMap: OnMap;
}): ReactNode {
  const { rows, problems, suggestions } = props;
  const files = useMemo(() => [...new Set(rows.map((r) => r.file))], [rows]);
  const [file, setFile] = useState(files[0] ?? '');
  const entities = useMemo(() => [...new Set(rows.filter((r) => r.file === file).map((r) => r.entity))], [rows, file]);
  const [entityByFile, setEntityByFile] = useState<Record<string, Entity>>({});
  const entity = entityByFile[file] && entities.includes(entityByFile[file]) ? entityByFile[file] : entities[0];
  const visible = rows.filter((r) => r.file === file && r.entity === entity);
  // Only required columns are filled in bulk: an optional column left empty is often deliberate.
  const suggestable = problems.filter((r) => suggestionFor(r) !== undefined);

  const jump = (r: ColumnRow): void => {
    setFile(r.file);
    setEntityByFile((m) => ({ ...m, [r.file]: r.entity }));
    setTimeout(() => document.getElementById(cellId(r))?.focus(), 0);
  };
  const applySuggestions = (): void => {
    for (const r of suggestable) {
      const field = suggestionFor(r);
      if (field) props.onMap(r, { from: field, transforms: r.effective?.transforms?.length ? r.effective.transforms : undefined });
    }
  };

  const fileTabs = files.map((f) => {
    const n = problems.filter((p) => p.file === f).length;
    return {
      id: f,
      label: (
        <>
          {f}
          {n > 0 && (
            <Badge kind="error" count label={`${n} required unmapped`}>
              {n}
            </Badge>
          )}
        </>
      ),
    };
  });
  const sourceError = entity ? suggestions.sourceErrors[entity] : undefined;
  return (
    <div className="stack">
      {problems.length > 0 ? (
        <Notice kind="error" title={`${plural(problems.length, 'required column')} not mapped`} testId="required-unmapped">
          <p>These columns must have a value in every row. Choose where each one comes from:</p>
          <ul className="problem-list">
            {problems.map((r) => (
              <li key={cellId(r)}>
                <button type="button" className="btn link" onClick={() => jump(r)}>
                  {r.file} › {r.column} ({ENTITY_LABELS[r.entity].toLowerCase()})
                </button>{' '}
                <span className="small">{stateText(r.state)}</span>
              </li>
            ))}
          </ul>
        </Notice>
      ) : (
        <Notice kind="ok" testId="required-ok">
          Every required column has a source.
        </Notice>
      )}
      {suggestable.length > 0 && (
        <div className="row">
          <button type="button" className="btn" onClick={applySuggestions}>
            Use suggested columns ({suggestable.length})
          </button>
          <span className="muted small">Maps each required column to the source column whose name matches best.</span>
        </div>
      )}
      <div>
        <Tabs label="Files" idPrefix="mapfile" tabs={fileTabs} selected={file} onSelect={setFile} />
        <TabPanel idPrefix="mapfile" selected={file}>
          {entities.length > 1 && (
            <fieldset className="segmented entity-switch">
              <legend>Rows of {file} come from</legend>
              {entities.map((e) => {
                const n = problems.filter((p) => p.file === file && p.entity === e).length;
                return (
                  <label key={e} className={e === entity ? 'on' : undefined}>
                    <input type="radio" name={`entity-${file}`} value={e} checked={e === entity} onChange={() => setEntityByFile((m) => ({ ...m, [file]: e }))} />
                    {ENTITY_LABELS[e]}
                    {n > 0 && <Badge kind="error" count>
                        {n}
                      </Badge>}
                  </label>
                );
              })}
            </fieldset>
          )}
          {entity && suggestions.sourceFields[entity] === undefined && (
            <Notice kind={sourceError ? 'error' : 'info'}>
              {sourceError
                ? `The ${ENTITY_LABELS[entity].toLowerCase()} query failed: ${sourceError}`
                : `Source ${props.config.source} has no ${ENTITY_LABELS[entity].toLowerCase()} query, so ${file} gets no rows of this kind. Add one on the Sources screen if the vendor needs them.`}
            </Notice>
          )}
          {entity && <ColumnGrid rows={visible} onMap={props.onMap} file={file} entity={entity} />}
        </TabPanel>
      </div>
      <LivePreview config={props.config} file={file} />
    </div>
  );
}

function ColumnGrid(props: { readonly rows: readonly ColumnRow[]; readonly file: string; readonly entity: Entity; readonly onMap: OnMap }): ReactNode {
  const { onMap } = props;
  const columns = useMemo(() => {
    const c = gridColumns<ColumnRow>();
    return [
      c.accessor('column', {
        header: 'Vendor column',
        enableSorting: false,
        cell: (i) => (
          <div>
            <span className="col-name">{i.getValue()}</span>
            {i.row.original.required && <span className="req-tag">Required</span>}
            {i.row.original.description && <div className="muted small">{i.row.original.description}</div>}
          </div>
        ),
      }),
      c.display({ id: 'source', header: 'Comes from', cell: (i) => <SourceCell row={i.row.original} onMap={onMap} /> }),
      c.display({ id: 'transforms', header: 'Then', cell: (i) => <TransformCell row={i.row.original} onMap={onMap} /> }),
      c.display({
        id: 'state',
        header: 'Status',
        cell: (i) => {
          const r = i.row.original;
          const kind = r.problem ? 'error' : r.state.kind === 'ok' ? 'ok' : r.state.kind === 'missing-field' ? 'warning' : 'none';
          return <Badge kind={kind}>{r.problem ? `Required: ${stateText(r.state).toLowerCase()}` : stateText(r.state)}</Badge>;
        },
      }),
    ];
  }, [onMap]);
  return (
    <DataGrid
      label={`Columns of ${props.file} for ${ENTITY_LABELS[props.entity].toLowerCase()}`}
      columns={columns}
      data={props.rows}
      getRowId={(r) => cellId(r)}
      rowClass={(r) => (r.problem ? 'row-required' : undefined)}
      pageSize={200}
      testId="mapping-grid"
    />
  );
}
