/**
 * Form fields: every input has a <label>, a hint and an error are tied to it with
 * aria-describedby, and an invalid value sets aria-invalid.
 */
import { useId, type ReactNode } from 'react';
import { shareAsPercent } from '../lib/format.js';

interface FieldShell {
  readonly label: string;
  readonly hint?: ReactNode;
  readonly error?: string;
  readonly required?: boolean;
  readonly className?: string;
}

function describedBy(id: string, hint: unknown, error: unknown): string | undefined {
  const ids = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean);
  return ids.length ? ids.join(' ') : undefined;
}

function Shell(props: FieldShell & { readonly id: string; readonly children: ReactNode }): ReactNode {
  return (
    <div className={`field${props.className ? ` ${props.className}` : ''}`}>
      <label htmlFor={props.id}>
        {props.label}
        {props.required && (
          <span className="req" aria-hidden="true">
            *
          </span>
        )}
      </label>
      {props.children}
      {props.hint && (
        <span className="hint" id={`${props.id}-hint`}>
          {props.hint}
        </span>
      )}
      {props.error && (
        <span className="field-error" id={`${props.id}-error`}>
          {props.error}
        </span>
      )}
    </div>
  );
}

export interface TextFieldProps extends FieldShell {
  readonly value: string;
  readonly onChange: (value: string) => void;
  readonly type?: 'text' | 'password' | 'email' | 'time' | 'date' | 'search';
  readonly placeholder?: string;
  readonly autoComplete?: string;
  readonly disabled?: boolean;
  readonly name?: string;
}

export function TextField(props: TextFieldProps): ReactNode {
  const id = useId();
  return (
    <Shell {...props} id={id}>
      <input
        id={id}
        name={props.name}
        type={props.type ?? 'text'}
        value={props.value}
        placeholder={props.placeholder}
        autoComplete={props.autoComplete ?? 'off'}
        spellCheck={false}
        disabled={props.disabled}
        required={props.required}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={describedBy(id, props.hint, props.error)}
        onChange={(e) => props.onChange(e.target.value)}
      />
    </Shell>
  );
}

export interface NumberFieldProps extends FieldShell {
  readonly value: number | undefined;
  readonly onChange: (value: number | undefined) => void;
  readonly min?: number;
  readonly max?: number;
  readonly step?: number;
  readonly disabled?: boolean;
  readonly placeholder?: string;
}

export function NumberField(props: NumberFieldProps): ReactNode {
  const id = useId();
  return (
    <Shell {...props} id={id}>
      <input
        id={id}
        type="number"
        value={props.value ?? ''}
        min={props.min}
        max={props.max}
        step={props.step}
        placeholder={props.placeholder}
        disabled={props.disabled}
        required={props.required}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={describedBy(id, props.hint, props.error)}
        onChange={(e) => props.onChange(e.target.value === '' ? undefined : Number(e.target.value))}
      />
    </Shell>
  );
}

type NumberShell = Omit<NumberFieldProps, 'value' | 'onChange' | 'min' | 'max' | 'step'>;

/** A whole number of at least 0 (minutes, days, records) where an empty box means 0, which often means "off". */
export function CountField(props: NumberShell & { readonly value: number; readonly onChange: (value: number) => void }): ReactNode {
  return <NumberField {...props} min={0} onChange={(v) => props.onChange(v ?? 0)} />;
}

/** A share (0–1) edited as a percentage to one decimal; an empty box means 0 %. */
export function PercentField(props: NumberShell & { readonly value: number; readonly onChange: (share: number) => void }): ReactNode {
  return <NumberField {...props} value={shareAsPercent(props.value)} min={0} max={100} step={0.1} onChange={(v) => props.onChange((v ?? 0) / 100)} />;
}

export interface SelectOption {
  readonly value: string;
  readonly label: string;
}

export interface SelectFieldProps extends FieldShell {
  readonly value: string;
  readonly onChange: (value: string) => void;
  readonly options: readonly SelectOption[];
  /** Adds an empty first option with this text. */
  readonly placeholder?: string;
  readonly disabled?: boolean;
}

export function SelectField(props: SelectFieldProps): ReactNode {
  const id = useId();
  return (
    <Shell {...props} id={id}>
      <select
        id={id}
        value={props.value}
        disabled={props.disabled}
        required={props.required}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={describedBy(id, props.hint, props.error)}
        onChange={(e) => props.onChange(e.target.value)}
      >
        {props.placeholder !== undefined && <option value="">{props.placeholder}</option>}
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </Shell>
  );
}

export interface TextAreaFieldProps extends FieldShell {
  readonly value: string;
  readonly onChange: (value: string) => void;
  readonly rows?: number;
  readonly placeholder?: string;
}

export function TextAreaField(props: TextAreaFieldProps): ReactNode {
  const id = useId();
  return (
    <Shell {...props} id={id}>
      <textarea
        id={id}
        rows={props.rows ?? 4}
        value={props.value}
        placeholder={props.placeholder}
        spellCheck={false}
        required={props.required}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={describedBy(id, props.hint, props.error)}
        onChange={(e) => props.onChange(e.target.value)}
      />
    </Shell>
  );
}

export interface CheckFieldProps {
  readonly label: string;
  readonly checked: boolean;
  readonly onChange: (checked: boolean) => void;
  readonly hint?: ReactNode;
  readonly disabled?: boolean;
}

export function CheckField(props: CheckFieldProps): ReactNode {
  const id = useId();
  return (
    <div className="check">
      <input
        id={id}
        type="checkbox"
        checked={props.checked}
        disabled={props.disabled}
        aria-describedby={props.hint ? `${id}-hint` : undefined}
        onChange={(e) => props.onChange(e.target.checked)}
      />
      <div>
        <label htmlFor={id}>{props.label}</label>
        {props.hint && (
          <div className="hint muted small" id={`${id}-hint`}>
            {props.hint}
          </div>
        )}
      </div>
    </div>
  );
}
