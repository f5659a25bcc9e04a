/** The "Comes from" cell: format default, a source column (suggested ones first), a fixed value or a combination. */
import type { ReactNode } from 'react';
import type { TransformStep } from '../../../../src/shared/transform.js';
import { describeMapping, type MappingMode } from '../../lib/mapping.js';
import { cellId, SUGGEST_MIN_SCORE, suggestionFor, type ColumnRow, type OnMap } from './column-row.js';

const MODE_LABELS: Record<MappingMode, string> = {
  default: 'Format default',
  unmapped: 'Not mapped',
  field: 'Source column',
  const: 'Fixed value',
  template: 'Combine columns',
  blank: 'Leave empty',
};

export function SourceCell(props: { readonly row: ColumnRow; readonly onMap: OnMap }): ReactNode {
  const r = props.row;
  const id = cellId(r);
  const fields = r.fields ?? [];
  const suggestion = suggestionFor(r);
  const modes: MappingMode[] = [r.formatDefault ? 'default' : 'unmapped', 'field', 'const', 'template', ...(r.formatDefault ? (['blank'] as const) : [])];
  const keepTransforms = (): readonly TransformStep[] | undefined => (r.effective?.transforms?.length ? r.effective.transforms : undefined);
  const setMode = (mode: MappingMode): void => {
    switch (mode) {
      case 'default':
      case 'unmapped':
        return props.onMap(r, undefined);
      case 'field':
        return props.onMap(r, { from: r.effective?.from ?? suggestion ?? r.candidates[0]?.field ?? fields[0] ?? '', transforms: keepTransforms() });
      case 'const':
        return props.onMap(r, { const: r.effective?.const ?? '', transforms: keepTransforms() }, 'const');
      case 'template':
        return props.onMap(r, { template: r.effective?.template ?? (r.effective?.from ? `{${r.effective.from.split('|')[0]}}` : ''), transforms: keepTransforms() });
      case 'blank':
        return props.onMap(r, { const: '' });
      default: {
        const never: never = mode;
        return never;
      }
    }
  };
  const ranked = [...r.candidates.filter((c) => c.score >= SUGGEST_MIN_SCORE).map((c) => c.field)];
  const rest = fields.filter((f) => !ranked.includes(f)).sort();
  const from = r.override?.from ?? '';
  const inList = from === '' || fields.includes(from);
  return (
    <div className="map-cell">
      <select id={id} aria-label={`${r.column}: comes from`} value={r.mode} onChange={(e) => setMode(e.target.value as MappingMode)}>
        {modes.map((m) => (
          <option key={m} value={m}>
            {MODE_LABELS[m]}
          </option>
        ))}
      </select>
      {r.mode === 'default' && <span className="muted small mono">{describeMapping(r.formatDefault && { ...r.formatDefault, transforms: undefined })}</span>}
      {r.mode === 'field' && (
        <select
          aria-label={`${r.column}: source column`}
          value={from}
          onChange={(e) => props.onMap(r, { ...r.override, from: e.target.value })}
        >
          {!inList && <option value={from}>{from}</option>}
          {from === '' && <option value="">Choose a column…</option>}
          {ranked.length > 0 && (
            <optgroup label="Suggested">
              {ranked.map((f) => (
                <option key={f} value={f}>
                  {f}
                </option>
              ))}
            </optgroup>
          )}
          <optgroup label={ranked.length ? 'All columns' : 'Columns'}>
            {rest.map((f) => (
              <option key={f} value={f}>
                {f}
              </option>
            ))}
          </optgroup>
        </select>
      )}
      {r.mode === 'const' && (
        <input type="text" aria-label={`${r.column}: fixed value`} value={r.override?.const ?? ''} onChange={(e) => props.onMap(r, { ...r.override, const: e.target.value }, 'const')} />
      )}
      {r.mode === 'template' && (
        <input
          type="text"
          aria-label={`${r.column}: combination of columns`}
          placeholder="{first_name} {last_name}"
          value={r.override?.template ?? ''}
          onChange={(e) => props.onMap(r, { ...r.override, template: e.target.value })}
        />
      )}
      {suggestion && (
        <span className="suggest">
          Suggested:{' '}
          <button type="button" className="btn small" onClick={() => props.onMap(r, { from: suggestion, transforms: keepTransforms() })} aria-label={`Use ${suggestion} for ${r.column}`}>
            {suggestion}
          </button>
        </span>
      )}
    </div>
  );
}
