/** The "Then" cell: the column's transform steps as editable chips. */
import type { ReactNode } from 'react';
import type { ColumnMapping } from '../../../../src/shared/format.js';
import type { TransformStep } from '../../../../src/shared/transform.js';
import { describeStep, TRANSFORM_PRESETS } from '../../lib/mapping.js';
import type { ColumnRow, OnMap } from './column-row.js';

export function TransformCell(props: { readonly row: ColumnRow; readonly onMap: OnMap }): ReactNode {
  const r = props.row;
  const steps = r.effective?.transforms ?? [];
  if (r.mode === 'unmapped' || r.mode === 'blank') return <span className="muted">—</span>;
  const base: ColumnMapping = r.override ?? r.formatDefault ?? {};
  const setSteps = (next: readonly TransformStep[]): void => props.onMap(r, { ...base, transforms: next.length ? next : undefined }, r.mode);
  return (
    <div className="transforms-edit">
      {steps.map((s, i) => (
        <StepChip
          key={i}
          step={s}
          column={r.column}
          onChange={(next) => setSteps(steps.map((x, j) => (j === i ? next : x)))}
          onRemove={() => setSteps(steps.filter((_, j) => j !== i))}
        />
      ))}
      <select
        aria-label={`${r.column}: add a step`}
        className="add-step"
        value=""
        onChange={(e) => {
          const preset = TRANSFORM_PRESETS.find((p) => p.id === e.target.value);
          if (preset) setSteps([...steps, preset.step]);
        }}
      >
        <option value="">+ Add step…</option>
        {TRANSFORM_PRESETS.map((p) => (
          <option key={p.id} value={p.id}>
            {p.label}
          </option>
        ))}
      </select>
    </div>
  );
}

function StepChip(props: { readonly step: TransformStep; readonly column: string; readonly onChange: (s: TransformStep) => void; readonly onRemove: () => void }): ReactNode {
  const s = props.step;
  let editor: ReactNode = null;
  if (s.op === 'default' || s.op === 'prefix' || s.op === 'suffix') {
    editor = <input type="text" className="chip-input" aria-label={`${props.column}: ${describeStep({ ...s, value: '' })} text`} value={s.value} onChange={(e) => props.onChange({ ...s, value: e.target.value })} />;
  } else if (s.op === 'truncate') {
    editor = (
      <input
        type="number"
        className="chip-input"
        min={1}
        aria-label={`${props.column}: maximum length`}
        value={s.max}
        onChange={(e) => props.onChange({ ...s, max: Math.max(1, Number(e.target.value) || 1) })}
      />
    );
  }
  const label = s.op === 'default' ? 'when empty:' : s.op === 'prefix' ? 'prefix' : s.op === 'suffix' ? 'suffix' : s.op === 'truncate' ? 'cut to' : describeStep(s);
  return (
    <span className="chip">
      <span>{label}</span>
      {editor}
      <button type="button" className="chip-x" onClick={props.onRemove} aria-label={`${props.column}: remove step ${describeStep(s)}`}>
        ×
      </button>
    </span>
  );
}
