/**
 * A driver's settings form, generated from the JSON Schema the agent publishes for it
 * (`listConnectionTypes`): required and common fields first, the rest under "Advanced settings".
 * Secret fields are write-only: the form shows whether one is stored and sends only new values.
 */
import { useState, type ReactNode } from 'react';
import { CheckField, NumberField, SelectField, TextAreaField, TextField } from './fields.js';
import { secretsToReenter } from '../../../src/shared/secret-reentry.js';
import type { ConnectionTypeInfo, SecretsSavedFor } from '../api/types.js';

interface JsonSchemaProp {
  readonly type?: string | readonly string[];
  readonly enum?: readonly unknown[];
  readonly default?: unknown;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly items?: JsonSchemaProp;
  readonly additionalProperties?: JsonSchemaProp | boolean;
  readonly description?: string;
  /** Set by the agent (a pinned host key), not typed in the form. */
  readonly readOnly?: boolean;
  /** A secret: rendered from `secretFields` as a write-only input, never as a setting. */
  readonly writeOnly?: boolean;
}

interface JsonSchemaObject {
  readonly properties?: Readonly<Record<string, JsonSchemaProp>>;
  readonly required?: readonly string[];
}

/** Labels and hints for setting names the drivers use; anything else is humanised from camelCase. */
const LABELS: Readonly<Record<string, { label: string; hint?: string }>> = {
  path: { label: 'Path', hint: 'Full path on the machine where the agent runs.' },
  host: { label: 'Host', hint: 'Host name or IP address.' },
  port: { label: 'Port' },
  database: { label: 'Database' },
  user: { label: 'User name' },
  username: { label: 'User name' },
  ssl: { label: 'TLS' },
  schemas: { label: 'Schemas to browse', hint: 'Comma-separated; empty = all.' },
  remoteDir: { label: 'Remote folder', hint: 'Relative to the login folder (Upload) or absolute (/Upload). Empty = login folder.' },
  authMethod: { label: 'Sign in with' },
  fileNamePattern: { label: 'Remote file name pattern', hint: 'Tokens: {name} {stem} {ext} {yyyy} {MM} {dd} {HH} {mm}. Empty = the file’s own name.' },
  fileNamePatterns: { label: 'File name pattern per file', hint: 'One per line: students.csv = students_{yyyy}{MM}{dd}.csv' },
  atomicRename: { label: 'Upload to a temporary name, then rename', hint: 'Turn off only for servers that forbid renaming.' },
  uploadWhileReading: {
    label: 'Upload while reading',
    hint: 'Each file goes to its temporary name as soon as it is written; renamed into place only after validation and the safety guard pass, deleted otherwise.',
  },
  encoding: {
    label: 'File encoding',
    hint: 'Detect: a BOM or UTF-16 decides, otherwise the file must be valid UTF-8 — bytes that are not are reported, never guessed. Choose Windows-1252 if the SIS writes ANSI files.',
  },
  maxFieldLength: { label: 'Longest value (characters)', hint: 'A longer value stops the read with a finding, so one giant field cannot exhaust memory.' },
  delimiter: { label: 'Delimiter' },
  triggerFile: { label: 'Trigger file', hint: 'Wait for this file before reading (the export is complete).' },
  afterProcessing: { label: 'After processing' },
  archivePath: { label: 'Archive folder' },
  sheet: { label: 'Excel sheet name', hint: 'Empty = the first sheet.' },
  usePolling: { label: 'Poll the folder (network shares)' },
  requireReadOnlyLogin: {
    label: 'Require a read-only login',
    hint: 'Runs are refused while the login can write (Test connection shows what it may do and the GRANTs for a read-only login).',
  },
  queryTimeoutSeconds: { label: 'Query timeout (seconds)' },
  connectTimeoutSeconds: { label: 'Connect timeout (seconds)' },
  busyTimeoutSeconds: { label: 'Busy timeout (seconds)' },
  connectTimeoutMs: { label: 'Connect timeout (ms)' },
  idleTimeoutMs: { label: 'Idle timeout (ms)' },
  retries: { label: 'Retries per file' },
  retryBaseDelayMs: { label: 'First retry delay (ms)' },
  retryMaxTotalMs: { label: 'Retry window (ms)' },
  keepaliveIntervalMs: { label: 'Keep-alive interval (ms)' },
  batchSize: { label: 'Rows per batch' },
  quietPeriodSeconds: { label: 'Quiet period (seconds)', hint: 'Files must be unchanged this long before they are read.' },
  maxWaitSeconds: { label: 'Maximum wait (seconds)' },
  archiveKeepDays: { label: 'Keep archives (days)' },
  pollIntervalSeconds: { label: 'Poll interval (seconds)' },
  debounceSeconds: { label: 'Debounce (seconds)' },
};

/** Settings that need the whole width (long paths). */
const WIDE = new Set(['path', 'archivePath']);

/** Shown outside "Advanced settings" even though they have defaults. */
const COMMON = new Set(['port', 'ssl', 'remoteDir', 'authMethod', 'encoding', 'delimiter', 'schemas', 'triggerFile', 'fileNamePattern']);

/** Words for enum values where the raw value is not self-explanatory. */
const ENUM_LABELS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  authMethod: { password: 'Password', key: 'Private key' },
  ssl: { disable: 'Off', require: 'Required', verify: 'Required, verify the certificate' },
  encoding: { auto: 'Detect', 'utf-8': 'UTF-8', 'utf-16le': 'UTF-16 LE', 'utf-16be': 'UTF-16 BE', 'windows-1252': 'Windows-1252 (ANSI)' },
  delimiter: { auto: 'Detect', ',': 'Comma', '\t': 'Tab', '|': 'Pipe |', ';': 'Semicolon' },
  afterProcessing: { leave: 'Leave the files', archive: 'Move them to the archive folder' },
};

const SECRET_LABELS: Readonly<Record<string, { label: string; hint?: string; multiline?: boolean }>> = {
  password: { label: 'Password' },
  privateKey: { label: 'Private key', hint: 'Paste the key file (OpenSSH or PEM).', multiline: true },
  passphrase: { label: 'Key passphrase' },
};

export function humanize(name: string): string {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function typeOf(prop: JsonSchemaProp): string {
  if (prop.enum) return 'enum';
  const t = Array.isArray(prop.type) ? prop.type.find((x) => x !== 'null') : prop.type;
  return typeof t === 'string' ? t : 'string';
}

export interface SettingsFormProps {
  readonly schema: unknown;
  readonly value: Readonly<Record<string, unknown>>;
  readonly onChange: (next: Record<string, unknown>) => void;
  /** Field-level errors by setting name. */
  readonly errors?: Readonly<Record<string, string>>;
  /** Secrets: the driver's secret field names, which ones are stored, and the new values typed. */
  readonly secretFields?: readonly string[];
  readonly secretsSet?: Readonly<Record<string, boolean>>;
  readonly secrets?: Readonly<Record<string, string>>;
  readonly onSecretsChange?: (next: Record<string, string>) => void;
  /** Secret fields the chosen sign-in method does not use (the private key when signing in with a password). */
  readonly hideSecrets?: readonly string[];
  /** Stored secrets the draft may not use (saved for another server), with the connection each was saved for. */
  readonly secretsToReenter?: Readonly<Record<string, string>>;
}

/** The defaults a driver's settings schema declares, by setting name. */
export function schemaDefaults(schema: unknown): Record<string, unknown> {
  const properties = (schema as JsonSchemaObject | null)?.properties ?? {};
  return Object.fromEntries(Object.entries(properties).flatMap(([name, prop]) => (prop.default === undefined ? [] : [[name, prop.default]])));
}

/** Stored secrets of a saved connection that the edited draft may not use, because it now points at another server. */
export function secretsToReenterFor(
  type: ConnectionTypeInfo | undefined,
  view: { readonly config: { readonly settings: Readonly<Record<string, unknown>> }; readonly secretsSavedFor: SecretsSavedFor } | undefined,
  draft: Readonly<Record<string, unknown>>,
  typed: Readonly<Record<string, string>>,
): Record<string, string> {
  if (!type || !view) return {};
  return secretsToReenter({ identityFields: type.identityFields, defaults: schemaDefaults(type.settingsSchema), saved: view.config.settings, draft, savedFor: view.secretsSavedFor, typed });
}

export function SettingsForm(props: SettingsFormProps): ReactNode {
  const schema = (props.schema ?? {}) as JsonSchemaObject;
  const properties = Object.entries(schema.properties ?? {}).filter(([, prop]) => !prop.readOnly && !prop.writeOnly);
  const required = new Set(schema.required ?? []);
  const primary = properties.filter(([name]) => required.has(name) || COMMON.has(name));
  const advanced = properties.filter(([name]) => !required.has(name) && !COMMON.has(name));
  const set = (name: string, v: unknown): void => {
    const next = { ...props.value };
    if (v === undefined) delete next[name];
    else next[name] = v;
    props.onChange(next);
  };
  const render = ([name, prop]: [string, JsonSchemaProp]): ReactNode => (
    <SettingField
      key={name}
      name={name}
      prop={prop}
      required={required.has(name)}
      value={props.value[name]}
      error={props.errors?.[name]}
      onChange={(v) => set(name, v)}
    />
  );
  const secretFields = (props.secretFields ?? []).filter((f) => !props.hideSecrets?.includes(f));
  return (
    <div className="stack">
      <div className="form-grid">
        {primary.map(render)}
        {secretFields.map((field) => {
          const meta = SECRET_LABELS[field] ?? { label: humanize(field) };
          const savedFor = props.secretsToReenter?.[field];
          const stored = (props.secretsSet?.[field] ?? false) && savedFor === undefined;
          const typed = props.secrets?.[field] ?? '';
          const hint = stored ? `${meta.hint ? `${meta.hint} ` : ''}A value is stored; leave empty to keep it.` : meta.hint;
          const error = savedFor !== undefined && typed === '' ? `The stored value was saved for ${savedFor}; enter it again to use it with the new server.` : undefined;
          const onChange = (v: string): void => {
            const next = { ...(props.secrets ?? {}) };
            if (v === '') delete next[field];
            else next[field] = v;
            props.onSecretsChange?.(next);
          };
          return meta.multiline ? (
            <TextAreaField key={field} className="wide" label={meta.label} value={typed} onChange={onChange} hint={hint} error={error} rows={4} placeholder={stored ? '(stored)' : ''} />
          ) : (
            <TextField key={field} label={meta.label} type="password" value={typed} onChange={onChange} hint={hint} error={error} placeholder={stored ? '(stored)' : ''} autoComplete="new-password" />
          );
        })}
      </div>
      {advanced.length > 0 && (
        <details>
          <summary>Advanced settings</summary>
          <div className="form-grid details-body">{advanced.map(render)}</div>
        </details>
      )}
    </div>
  );
}

function SettingField(props: {
  readonly name: string;
  readonly prop: JsonSchemaProp;
  readonly required: boolean;
  readonly value: unknown;
  readonly error?: string;
  readonly onChange: (value: unknown) => void;
}): ReactNode {
  const { name, prop } = props;
  const meta = LABELS[name] ?? { label: humanize(name) };
  const hint = meta.hint ?? prop.description;
  const def = prop.default;
  switch (typeOf(prop)) {
    case 'enum':
      return (
        <SelectField
          label={meta.label}
          hint={hint}
          required={props.required}
          error={props.error}
          value={String(props.value ?? def ?? '')}
          options={(prop.enum ?? []).map((v) => ({ value: String(v), label: ENUM_LABELS[name]?.[String(v)] ?? String(v) }))}
          placeholder={def === undefined ? 'Choose…' : undefined}
          onChange={(v) => props.onChange(v === '' ? undefined : v)}
        />
      );
    case 'boolean':
      return (
        <div className="field">
          <CheckField label={meta.label} hint={hint} checked={Boolean(props.value ?? def ?? false)} onChange={(v) => props.onChange(v)} />
        </div>
      );
    case 'integer':
    case 'number':
      return (
        <NumberField
          label={meta.label}
          hint={hint}
          required={props.required}
          error={props.error}
          min={prop.minimum}
          max={prop.maximum !== undefined && prop.maximum < 1e12 ? prop.maximum : undefined}
          step={typeOf(prop) === 'integer' ? 1 : undefined}
          value={typeof props.value === 'number' ? props.value : undefined}
          placeholder={typeof def === 'number' ? String(def) : undefined}
          onChange={(v) => props.onChange(v)}
        />
      );
    case 'array':
      return <ListText label={meta.label} hint={hint} error={props.error} value={props.value} onChange={props.onChange} />;
    case 'object':
      return <RecordField label={meta.label} hint={hint} error={props.error} value={props.value} onChange={props.onChange} />;
    default:
      return (
        <TextField
          className={WIDE.has(name) ? 'wide' : undefined}
          label={meta.label}
          hint={hint}
          required={props.required}
          error={props.error}
          value={typeof props.value === 'string' ? props.value : ''}
          placeholder={typeof def === 'string' && def ? def : undefined}
          onChange={(v) => props.onChange(v === '' && !props.required ? undefined : v)}
        />
      );
  }
}

/** A string→string record edited as `key = value` lines; keeps the typed text while it is incomplete. */
function RecordField(props: { readonly label: string; readonly hint?: string; readonly error?: string; readonly value: unknown; readonly onChange: (v: unknown) => void }): ReactNode {
  const record = (props.value && typeof props.value === 'object' ? props.value : {}) as Record<string, string>;
  const [text, setText] = useState(() =>
    Object.entries(record)
      .map(([k, v]) => `${k} = ${v}`)
      .join('\n'),
  );
  return (
    <TextAreaField
      className="wide"
      label={props.label}
      hint={props.hint}
      error={props.error}
      rows={3}
      value={text}
      onChange={(next) => {
        setText(next);
        const parsed: Record<string, string> = {};
        for (const line of next.split('\n')) {
          const at = line.indexOf('=');
          if (at > 0) parsed[line.slice(0, at).trim()] = line.slice(at + 1).trim();
        }
        props.onChange(parsed);
      }}
    />
  );
}

/** A list of strings typed comma-separated; keeps the typed text (a trailing comma) while editing. */
function ListText(props: { readonly label: string; readonly hint?: string; readonly error?: string; readonly value: unknown; readonly onChange: (v: unknown) => void }): ReactNode {
  const [text, setText] = useState(() => (Array.isArray(props.value) ? props.value.join(', ') : ''));
  return (
    <TextField
      label={props.label}
      hint={props.hint}
      error={props.error}
      value={text}
      onChange={(next) => {
        setText(next);
        props.onChange(
          next
            .split(',')
            .map((x) => x.trim())
            .filter(Boolean),
        );
      }}
    />
  );
}
