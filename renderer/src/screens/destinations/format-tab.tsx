/** Format tab: source, vendor format and options, sensitive and not-collected columns, row filters. */
import { useMemo, type ReactNode } from 'react';
import type { FormatDef, FormatSummary, SourceView } from '../../api/types.js';
import { CheckField, SelectField } from '../../components/fields.js';
import { FormatOptions } from '../../components/format-options.js';
import { useApi } from '../../lib/api-context.js';
import { href } from '../../lib/router.js';
import { useLoad } from '../../lib/use-load.js';
import { RowFilters } from './row-filters.js';
import type { TabProps } from './tab-props.js';

export function FormatTab(props: TabProps & { readonly sources: readonly SourceView[]; readonly formats: readonly FormatSummary[]; readonly isNew: boolean }): ReactNode {
  const api = useApi();
  const { config, patch } = props;
  const format = props.formats.find((f) => f.id === config.format);
  const def = useLoad<FormatDef | null>(() => (config.format ? api.getFormat({ id: config.format }) : Promise.resolve(null)), [api, config.format]);
  const sensitive = useMemo(
    () => (def.data?.files ?? []).flatMap((f) => f.columns.filter((c) => c.sensitive).map((c) => ({ file: f.name, column: c.name }))),
    [def.data],
  );
  const optional = useMemo(
    () => (def.data?.files ?? []).flatMap((f) => f.columns.filter((c) => !c.required).map((c) => ({ file: f.name, column: c.name }))),
    [def.data],
  );
  const isNotCollected = (file: string, column: string): boolean => config.notCollected.some((d) => d.file === file && d.column === column);
  const toggleCollected = (file: string, column: string, notCollected: boolean): void => {
    const rest = config.notCollected.filter((d) => !(d.file === file && d.column === column));
    patch({ notCollected: notCollected ? [...rest, { file, column }] : rest });
  };
  const isDisabled = (file: string, column: string): boolean => config.disabledColumns.some((d) => d.file === file && d.column === column);
  const toggle = (file: string, column: string, send: boolean): void => {
    const rest = config.disabledColumns.filter((d) => !(d.file === file && d.column === column));
    patch({ disabledColumns: send ? rest : [...rest, { file, column }] });
  };
  return (
    <div className="stack">
      <div className="form-grid">
        <SelectField
          label="Source"
          value={config.source}
          onChange={(v) => patch({ source: v })}
          placeholder={props.sources.length ? undefined : 'No sources'}
          options={props.sources.map((s) => ({ value: s.config.name, label: s.config.name }))}
        />
        <SelectField
          label="Vendor format"
          value={config.format}
          onChange={(v) => patch({ format: v, formatOptions: {} })}
          options={props.formats.map((f) => ({ value: f.id, label: f.displayName }))}
        />
      </div>
      {format && (
        <p className="muted small">
          {format.description} Files: {format.files.join(', ')}.
        </p>
      )}
      {def.data?.inactive && <p className="muted small">Inactive students and staff: {def.data.inactive.how}.</p>}
      {format && format.options.length > 0 && (
        <fieldset>
          <legend>Format options</legend>
          <FormatOptions options={format.options} value={config.formatOptions} onChange={(formatOptions) => patch({ formatOptions })} />
        </fieldset>
      )}
      {sensitive.length > 0 && (
        <details className="fieldset-like">
          <summary>
            Sensitive columns: {sensitive.filter((c) => !isDisabled(c.file, c.column)).length} of {sensitive.length} sent
          </summary>
          <div className="details-body stack">
            <p className="muted small">Unticked columns are sent blank.</p>
            <div className="check-grid">
              {sensitive.map(({ file, column }) => (
                <CheckField key={`${file}/${column}`} label={`${file} › ${column}`} checked={!isDisabled(file, column)} onChange={(v) => toggle(file, column, v)} />
              ))}
            </div>
          </div>
        </details>
      )}
      {optional.length > 0 && (
        <details className="fieldset-like">
          <summary>Columns the district does not collect: {config.notCollected.length}</summary>
          <div className="details-body stack">
            <p className="muted small">Ticked columns are sent blank on purpose; the run no longer warns that the source has no field for them.</p>
            <div className="check-grid">
              {optional.map(({ file, column }) => (
                <CheckField key={`${file}/${column}`} label={`${file} › ${column}`} checked={isNotCollected(file, column)} onChange={(v) => toggleCollected(file, column, v)} />
              ))}
            </div>
          </div>
        </details>
      )}
      <fieldset>
        <legend>Only send some rows</legend>
        <div className="stack">
          <p className="muted small">
            For vendors licensed per school, course or class: keep only the rows whose SIS field has one of the listed values. Several filters must all match.
          </p>
          <RowFilters value={config.rowFilters} onChange={(rowFilters) => patch({ rowFilters })} />
        </div>
      </fieldset>
      <p className="muted small">
        {props.isNew ? 'After saving, map the format’s columns to your SIS fields and enter the vendor’s site IDs.' : (
          <>
            Column mapping: <a href={href('mapping', config.name)}>open the mapping wizard</a>. School site IDs: <a href={href('sitemap', config.name)}>site ID map</a>.
          </>
        )}
      </p>
    </div>
  );
}
