/** A vendor format's options as form fields (used by the destination editor and the mapping wizard). */
import type { ReactNode } from 'react';
import type { FormatOption } from '../api/types.js';
import { CheckField, SelectField, TextField } from './fields.js';

/** The options of a format, each as the field its type calls for. */

export function FormatOptions(props: {
  readonly options: readonly FormatOption[];
  readonly value: Readonly<Record<string, string | boolean>>;
  readonly onChange: (v: Record<string, string | boolean>) => void;
}): ReactNode {
  const set = (id: string, v: string | boolean): void => props.onChange({ ...props.value, [id]: v });
  return (
    <div className="form-grid">
      {props.options.map((o) => {
        const v = props.value[o.id] ?? o.default;
        switch (o.type) {
          case 'boolean':
            return (
              <div className="field" key={o.id}>
                <CheckField label={o.label} hint={o.description} checked={Boolean(v)} onChange={(x) => set(o.id, x)} />
              </div>
            );
          case 'select':
            return (
              <SelectField
                key={o.id}
                label={o.label}
                hint={o.description}
                value={String(v)}
                onChange={(x) => set(o.id, x)}
                options={(o.choices ?? []).map((c) => ({ value: c, label: c }))}
              />
            );
          case 'string':
            return <TextField key={o.id} label={o.label} hint={o.description} value={String(v)} onChange={(x) => set(o.id, x)} />;
          default: {
            const never: never = o.type;
            return <span key={String(never)} />;
          }
        }
      })}
    </div>
  );
}
