/** Row filters of the Format tab: keep only rows whose SIS field has one of the listed values. */
import { useState, type ReactNode } from 'react';
import { ENTITIES, type Entity } from '../../../../src/shared/format.js';
import type { DestinationConfig } from '../../api/types.js';
import { SelectField, TextField } from '../../components/fields.js';
import { ENTITY_LABELS } from '../../lib/entity-labels.js';

type RowFilter = DestinationConfig['rowFilters'][number];

export function RowFilters(props: { readonly value: readonly RowFilter[]; readonly onChange: (v: RowFilter[]) => void }): ReactNode {
  const update = (i: number, p: Partial<RowFilter>): void => props.onChange(props.value.map((f, j) => (j === i ? { ...f, ...p } : f)));
  return (
    <div className="stack">
      {props.value.length === 0 && <p className="muted small">None: every row is sent.</p>}
      {props.value.map((f, i) => (
        <div className="row align-end" key={i}>
          <TextField label="SIS field" value={f.field} onChange={(v) => update(i, { field: v })} placeholder="school_code" />
          <ListField label="Is one of (comma-separated)" value={f.values} onChange={(values) => update(i, { values })} placeholder="005, 007" />
          <SelectField
            label="For"
            value={f.entities?.length === 1 ? (f.entities[0] ?? '') : ''}
            onChange={(v) => update(i, { entities: v ? [v as Entity] : undefined })}
            placeholder="Every kind of record"
            options={ENTITIES.map((e) => ({ value: e, label: ENTITY_LABELS[e] }))}
          />
          <button type="button" className="btn small danger" onClick={() => props.onChange(props.value.filter((_, j) => j !== i))} aria-label={`Remove row filter ${i + 1}`}>
            Remove
          </button>
        </div>
      ))}
      <div>
        <button type="button" className="btn small" onClick={() => props.onChange([...props.value, { field: '', values: [] }])}>
          Add row filter
        </button>
      </div>
    </div>
  );
}

/** Comma-separated values; keeps the typed text while it is being edited. */
function ListField(props: { readonly label: string; readonly value: readonly string[]; readonly onChange: (v: string[]) => void; readonly placeholder?: string }): ReactNode {
  const [text, setText] = useState(props.value.join(', '));
  return (
    <TextField
      label={props.label}
      value={text}
      placeholder={props.placeholder}
      onChange={(v) => {
        setText(v);
        props.onChange(
          v
            .split(',')
            .map((x) => x.trim())
            .filter(Boolean),
        );
      }}
    />
  );
}
