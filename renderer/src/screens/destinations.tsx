/**
 * Destinations: where the files go (SFTP or a folder), the server's host key, the vendor format and
 * its options, the schedule with blackout windows, and the safety thresholds that hold a run.
 */
import { useMemo, useState, type ReactNode } from 'react';
import { guardSchema, scheduleSchema, staleLimitHours } from '../../../src/shared/config.schema.js';
import type {
  ConnectionTypeInfo,
  DestinationCheckView,
  DestinationConfig,
  DestinationView,
  FormatDef,
  FormatOption,
  FormatSummary,
  HostKeyView,
  SourceView,
} from '../api/types.js';
import { CheckField, NumberField, SelectField, TextField } from '../components/fields.js';
import { SettingsForm, secretsToReenterFor } from '../components/settings-form.js';
import { DeleteButton, Loading, Notice, NotSavedNotice, PageHeader, Panel, TabPanel, Tabs } from '../components/ui.js';
import { useApi } from '../lib/api-context.js';
import { errorMessage } from '../lib/errors.js';
import { href } from '../lib/router.js';
import { useToasts } from '../lib/toasts.js';
import { useSaveDelete } from '../lib/use-save-delete.js';
import { useLoad } from '../lib/use-load.js';
import { ENTITY_LABELS, NEW_ITEM } from './sources.js';
import { ENTITIES, type Entity } from '../../../src/shared/format.js';

export function DestinationsScreen(props: { readonly name?: string }): ReactNode {
  const api = useApi();
  const destinations = useLoad(() => api.listDestinations({}), [api]);
  const types = useLoad(() => api.listConnectionTypes({}), [api]);
  const sources = useLoad(() => api.listSources({}), [api]);
  const formats = useLoad(() => api.listFormats({}), [api]);
  const destTypes = (types.data ?? []).filter((t) => t.kind === 'destination');
  const selected = props.name && props.name !== NEW_ITEM ? destinations.data?.find((d) => d.config.name === props.name) : undefined;
  const ready = destinations.data && types.data && sources.data && formats.data;
  const loadError = destinations.error ?? types.error ?? sources.error ?? formats.error;
  const editorProps = { types: destTypes, sources: sources.data ?? [], formats: formats.data ?? [], onSaved: destinations.reload };

  return (
    <>
      <PageHeader
        title="Destinations"
        intro="Each vendor RosterSync delivers to: where, in which format, when, and when to hold a run for approval."
        actions={
          <a className="btn primary" href={href('destinations', NEW_ITEM)}>
            Add destination
          </a>
        }
      />
      {loadError && <Notice kind="error" title="Destinations could not be loaded">{loadError}</Notice>}
      <div className="two-col">
        <nav aria-label="Destinations">
          {destinations.data && destinations.data.length === 0 && <p className="muted">No destinations yet.</p>}
          {(destinations.data ?? []).length > 0 && (
          <ul className="select-list">
            {(destinations.data ?? []).map((d) => (
              <li key={d.config.name}>
                <a className="select-item" href={href('destinations', d.config.name)} aria-current={d.config.name === props.name ? 'true' : undefined}>
                  <span>{d.config.name}</span>
                  <span className="sub">
                    {d.config.type.toUpperCase()} · {d.config.format}
                  </span>
                </a>
              </li>
            ))}
          </ul>
          )}
        </nav>
        <div>
          {!ready ? (
            !loadError && <Loading what="destinations" />
          ) : props.name === NEW_ITEM ? (
            (sources.data ?? []).length === 0 ? (
              <Notice kind="warn" title="Add a source first">
                A destination delivers data read from a source. <a href={href('sources', NEW_ITEM)}>Add a source</a>.
              </Notice>
            ) : (
              <DestinationEditor key="new" {...editorProps} />
            )
          ) : selected ? (
            <DestinationEditor key={selected.config.name} view={selected} {...editorProps} />
          ) : props.name ? (
            <Notice kind="warn">No destination named “{props.name}”.</Notice>
          ) : (
            <Panel>
              <p className="muted">Choose a destination on the left, or add one.</p>
            </Panel>
          )}
        </div>
      </div>
    </>
  );
}

function blankDestination(source: string, format: string): DestinationConfig {
  return {
    name: '',
    enabled: true,
    source,
    format,
    formatOptions: {},
    type: 'sftp',
    settings: {},
    mapping: {},
    disabledColumns: [],
    notCollected: [],
    rowFilters: [],
    unmappedSchool: 'error',
    onValidationError: 'skip-rows',
    maxBadRowShare: 0.02,
    syncMode: 'full',
    guard: guardSchema.parse({}),
    schedule: scheduleSchema.parse({}),
    keepDeliveredDays: 0,
    phoneRegion: 'US',
    neutraliseFormulas: false,
  };
}

type DestTab = 'connection' | 'format' | 'schedule' | 'safety';

interface EditorProps {
  readonly view?: DestinationView;
  readonly types: readonly ConnectionTypeInfo[];
  readonly sources: readonly SourceView[];
  readonly formats: readonly FormatSummary[];
  readonly onSaved: () => void;
}

function DestinationEditor(props: EditorProps): ReactNode {
  const api = useApi();
  const [config, setConfig] = useState<DestinationConfig>(
    props.view?.config ?? blankDestination(props.sources[0]?.config.name ?? '', props.formats[0]?.id ?? 'oneroster-1.1'),
  );
  const [view, setView] = useState(props.view);
  const [secrets, setSecrets] = useState<Record<string, string>>({});
  const [tab, setTab] = useState<DestTab>('connection');
  const isNew = !props.view;
  const patch = (p: Partial<DestinationConfig>): void => setConfig((c) => ({ ...c, ...p }));

  const { saving, error, save, remove } = useSaveDelete({
    kind: 'Destination',
    screen: 'destinations',
    currentName: props.view?.config.name,
    save: () => api.saveDestination({ config, secrets: withStaleHiddenCleared(props.types, view, config, secrets) }),
    remove: (name) => api.deleteDestination({ name }),
    afterSave: (saved) => {
      setSecrets({});
      setView(saved);
    },
    onChanged: props.onSaved,
  });

  const tabs = [
    { id: 'connection', label: 'Connection' },
    { id: 'format', label: 'Format' },
    { id: 'schedule', label: 'Schedule' },
    { id: 'safety', label: 'Safety' },
  ];
  return (
    <Panel title={isNew ? 'New destination' : `Destination ${props.view?.config.name ?? ''}`}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <div className="form-grid">
          <TextField
            label="Name"
            required
            value={config.name}
            onChange={(v) => patch({ name: v })}
            disabled={!isNew}
            hint={isNew ? 'For example the vendor’s name.' : 'The name cannot be changed: history and site IDs refer to it.'}
          />
          <div className="field">
            <span className="field-label" aria-hidden="true">
              &nbsp;
            </span>
            <CheckField label="Enabled" checked={config.enabled} onChange={(v) => patch({ enabled: v })} hint="Disabled destinations never run." />
          </div>
        </div>
        <div className="top-gap">
          <Tabs label="Destination settings" idPrefix="dest" tabs={tabs} selected={tab} onSelect={(t) => setTab(t as DestTab)} />
          <TabPanel idPrefix="dest" selected={tab}>
            {tab === 'connection' && (
              <ConnectionTab config={config} patch={patch} types={props.types} view={view} setView={setView} secrets={secrets} setSecrets={setSecrets} />
            )}
            {tab === 'format' && <FormatTab config={config} patch={patch} sources={props.sources} formats={props.formats} isNew={isNew} />}
            {tab === 'schedule' && <ScheduleTab config={config} patch={patch} />}
            {tab === 'safety' && <SafetyTab config={config} patch={patch} />}
          </TabPanel>
        </div>
        <NotSavedNotice error={error} />
        <div className="form-actions">
          <button type="submit" className="btn primary" disabled={saving}>
            {saving ? 'Saving…' : 'Save destination'}
          </button>
          {!isNew && (
            <>
              <a className="btn" href={href('mapping', props.view?.config.name ?? '')}>
                Map columns
              </a>
              <a className="btn" href={href('sitemap', props.view?.config.name ?? '')}>
                Site IDs
              </a>
              <span className="spacer" />
              <DeleteButton what="destination" name={props.view?.config.name ?? ''} onConfirm={() => void remove()}>
                <p>Its mapping, site IDs and schedule are deleted. Run history is kept.</p>
              </DeleteButton>
            </>
          )}
        </div>
      </form>
    </Panel>
  );
}

interface TabProps {
  readonly config: DestinationConfig;
  readonly patch: (p: Partial<DestinationConfig>) => void;
}

/** Secret fields the current sign-in method does not use (SFTP: the password when signing in with a key, and the other way round). */
function hiddenSecrets(config: DestinationConfig): string[] {
  if (config.type !== 'sftp') return [];
  return config.settings.authMethod === 'key' ? ['password'] : ['privateKey', 'passphrase'];
}

/**
 * The typed secrets, plus '' (remove) for stored ones the form hides that belong to the previous
 * server: nobody can type them again there, and the agent refuses to keep them for the new one.
 */
function withStaleHiddenCleared(
  types: readonly ConnectionTypeInfo[],
  view: DestinationView | undefined,
  config: DestinationConfig,
  secrets: Record<string, string>,
): Record<string, string> {
  const stale = Object.keys(secretsToReenterFor(types.find((t) => t.id === config.type), view, config.settings, secrets));
  const hidden = hiddenSecrets(config);
  return { ...secrets, ...Object.fromEntries(stale.filter((f) => hidden.includes(f)).map((f) => [f, ''])) };
}

function ConnectionTab(
  props: TabProps & {
    readonly types: readonly ConnectionTypeInfo[];
    readonly view?: DestinationView;
    readonly setView: (v: DestinationView) => void;
    readonly secrets: Record<string, string>;
    readonly setSecrets: (s: Record<string, string>) => void;
  },
): ReactNode {
  const api = useApi();
  const { config, patch } = props;
  const type = props.types.find((t) => t.id === config.type);
  const [check, setCheck] = useState<DestinationCheckView | null>(null);
  const [checking, setChecking] = useState(false);
  const isSftp = config.type === 'sftp';
  const test = async (): Promise<void> => {
    setChecking(true);
    setCheck(null);
    try {
      setCheck(await api.testDestination({ config, secrets: withStaleHiddenCleared(props.types, props.view, config, props.secrets) }));
    } catch (err) {
      setCheck({ ok: false, message: errorMessage(err) });
    } finally {
      setChecking(false);
    }
  };
  return (
    <div className="stack">
      <div className="form-grid">
        <SelectField
          label="Deliver to"
          value={config.type}
          onChange={(v) => {
            patch({ type: v as DestinationConfig['type'], settings: {} });
            setCheck(null);
          }}
          options={props.types.map((t) => ({ value: t.id, label: t.displayName }))}
        />
      </div>
      {type && (
        <SettingsForm
          schema={type.settingsSchema}
          value={config.settings}
          onChange={(settings) => patch({ settings })}
          hide={['trustedFingerprint']}
          secretFields={type.secretFields}
          secretsSet={props.view?.secretsSet}
          secrets={props.secrets}
          onSecretsChange={props.setSecrets}
          hideSecrets={hiddenSecrets(config)}
          secretsToReenter={secretsToReenterFor(type, props.view, config.settings, props.secrets)}
        />
      )}
      {isSftp && <HostKeySection {...props} />}
      <div className="form-actions">
        <button type="button" className="btn" onClick={() => void test()} disabled={checking}>
          {checking ? 'Testing…' : 'Test connection'}
        </button>
      </div>
      {check && (
        <Notice kind={check.ok ? 'ok' : 'error'} testId="destination-check">
          {check.message}
        </Notice>
      )}
    </div>
  );
}

/** The SFTP server's host key: fetch it, compare it with the vendor's, trust it. */
function HostKeySection(props: TabProps & { readonly view?: DestinationView; readonly setView: (v: DestinationView) => void }): ReactNode {
  const api = useApi();
  const toasts = useToasts();
  const { config, patch } = props;
  const trusted = (config.settings.trustedFingerprint as string | undefined) ?? '';
  const [probe, setProbe] = useState<HostKeyView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const host = (config.settings.host as string | undefined) ?? '';
  const port = (config.settings.port as number | undefined) ?? 22;
  const seen = props.view?.seenFingerprint ?? null;
  const saved = props.view && props.view.config.name === config.name;

  const fetchKey = async (): Promise<void> => {
    setLoading(true);
    setError(null);
    setProbe(null);
    try {
      setProbe(await api.probeHostKey({ host, port }));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setLoading(false);
    }
  };
  const trust = async (fingerprint: string): Promise<void> => {
    patch({ settings: { ...config.settings, trustedFingerprint: fingerprint } });
    if (saved) {
      try {
        props.setView(await api.trustHostKey({ destination: config.name, fingerprint }));
        toasts.info('Host key trusted.');
      } catch (err) {
        setError(errorMessage(err));
        return;
      }
    } else {
      toasts.info('Host key will be trusted when you save.');
    }
    setProbe(null);
  };

  return (
    <fieldset>
      <legend>Server identity (host key)</legend>
      <div className="stack">
        {trusted ? (
          <div>
            <div className="field-label">Trusted fingerprint</div>
            <div className="fingerprint" data-testid="trusted-fingerprint">
              {trusted}
            </div>
          </div>
        ) : (
          <Notice kind="warn">No host key trusted yet: deliveries are refused until you confirm the server’s key.</Notice>
        )}
        {seen && trusted && seen !== trusted && (
          <Notice kind="error" title="The server presented a different key">
            Last seen: <span className="mono">{seen}</span>. If the vendor moved servers, confirm the new fingerprint with them before trusting it.
          </Notice>
        )}
        <div className="row">
          <button type="button" className="btn" onClick={() => void fetchKey()} disabled={!host || loading}>
            {loading ? 'Connecting…' : trusted ? 'Check the server’s key again' : 'Get the server’s key'}
          </button>
          {!host && <span className="muted small">Enter the host first.</span>}
        </div>
        {error && <Notice kind="error">{error}</Notice>}
        {probe && (
          <div className="stack probe" data-testid="probed-key">
            <div>
              <div className="field-label">
                {host}:{port} presents this {probe.keyType} key
              </div>
              <div className="fingerprint">{probe.fingerprint}</div>
              <p className="muted small">Compare it with the fingerprint the vendor gave you before trusting it.</p>
            </div>
            {probe.fingerprint === trusted ? (
              <Notice kind="ok">This is the trusted key.</Notice>
            ) : (
              <div className="row">
                <button type="button" className="btn primary" onClick={() => void trust(probe.fingerprint)}>
                  Trust this key
                </button>
                <button type="button" className="btn" onClick={() => setProbe(null)}>
                  Cancel
                </button>
              </div>
            )}
          </div>
        )}
      </div>
    </fieldset>
  );
}

function FormatTab(props: TabProps & { readonly sources: readonly SourceView[]; readonly formats: readonly FormatSummary[]; readonly isNew: boolean }): ReactNode {
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

type RowFilter = DestinationConfig['rowFilters'][number];

function RowFilters(props: { readonly value: readonly RowFilter[]; readonly onChange: (v: RowFilter[]) => void }): ReactNode {
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

function timeZones(): readonly string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (k: string) => string[] };
  const zones = intl.supportedValuesOf?.('timeZone') ?? [];
  return zones.includes('UTC') ? zones : ['UTC', ...zones];
}

function ScheduleTab(props: TabProps): ReactNode {
  const { config, patch } = props;
  const s = config.schedule;
  const set = (p: Partial<DestinationConfig['schedule']>): void => patch({ schedule: { ...s, ...p } });
  const zones = useMemo(timeZones, []);
  return (
    <div className="stack">
      <CheckField label="Run on a schedule" checked={s.enabled} onChange={(v) => set({ enabled: v })} hint="Otherwise it runs only with Sync now." />
      <div className="form-grid">
        <SelectField
          label="When"
          value={s.preset}
          onChange={(v) => set({ preset: v as DestinationConfig['schedule']['preset'] })}
          options={[
            { value: 'nightly', label: 'Every night' },
            { value: 'weekdays', label: 'Weekdays (Monday–Friday)' },
            { value: 'every-n-hours', label: 'Every few hours' },
            { value: 'cron', label: 'Cron expression' },
          ]}
        />
        {(s.preset === 'nightly' || s.preset === 'weekdays') && <TextField label="At (24-hour)" type="time" value={s.time} onChange={(v) => set({ time: v })} />}
        {s.preset === 'every-n-hours' && (
          <NumberField label="Every (hours)" value={s.everyHours} min={1} max={24} onChange={(v) => set({ everyHours: v ?? 6 })} />
        )}
        {s.preset === 'cron' && (
          <TextField label="Cron expression" value={s.cron ?? ''} onChange={(v) => set({ cron: v || undefined })} placeholder="0 2 * * 1-5" hint="minute hour day month weekday" />
        )}
        <SelectField label="Time zone" value={s.timezone} onChange={(v) => set({ timezone: v })} options={zones.map((z) => ({ value: z, label: z }))} />
      </div>
      <fieldset>
        <legend>Blackout dates</legend>
        <div className="stack">
          <p className="muted small">Scheduled runs are skipped on these dates (for example summer break, when the SIS is rolled over).</p>
          <Blackouts value={s.blackouts} onChange={(blackouts) => set({ blackouts })} />
        </div>
      </fieldset>
      <fieldset>
        <legend>More</legend>
        <div className="form-grid">
          <NumberField
            label="At most one upload every (minutes)"
            value={s.minIntervalMinutes}
            min={0}
            onChange={(v) => set({ minIntervalMinutes: v ?? 0 })}
            hint="The vendor’s limit; 0 = none."
          />
          <NumberField
            label="Alert after hours without a delivery"
            value={staleLimitHours(s)}
            min={0}
            onChange={(v) => set({ staleAfterHours: v ?? 0, staleAfterDays: undefined })}
            hint="0 = off. Checked whether or not the destination is scheduled."
          />
        </div>
        <div className="stack top-gap">
          <CheckField label="Catch up after downtime" checked={s.catchUp} onChange={(v) => set({ catchUp: v })} hint="Run once at start-up when a scheduled run was missed." />
          <CheckField
            label="Run when a new export arrives"
            checked={s.onArrival}
            onChange={(v) => set({ onArrival: v })}
            hint="For export-folder sources: run as soon as a complete set of files lands."
          />
        </div>
      </fieldset>
    </div>
  );
}

type Blackout = DestinationConfig['schedule']['blackouts'][number];

function Blackouts(props: { readonly value: readonly Blackout[]; readonly onChange: (v: Blackout[]) => void }): ReactNode {
  const update = (i: number, p: Partial<Blackout>): void => props.onChange(props.value.map((b, j) => (j === i ? { ...b, ...p } : b)));
  return (
    <div className="stack">
      {props.value.length === 0 && <p className="muted small">None.</p>}
      {props.value.map((b, i) => (
        <div className="row align-end" key={i}>
          <TextField label="From" type="date" value={b.from} onChange={(v) => update(i, { from: v })} />
          <TextField label="To" type="date" value={b.to} onChange={(v) => update(i, { to: v })} />
          <TextField label="Label" value={b.label ?? ''} onChange={(v) => update(i, { label: v || undefined })} placeholder="Summer break" />
          <button type="button" className="btn small danger" onClick={() => props.onChange(props.value.filter((_, j) => j !== i))} aria-label={`Remove blackout ${i + 1}`}>
            Remove
          </button>
        </div>
      ))}
      <div>
        <button type="button" className="btn small" onClick={() => props.onChange([...props.value, { from: '', to: '' }])}>
          Add blackout dates
        </button>
      </div>
    </div>
  );
}

const pct = (share: number): number => Math.round(share * 1000) / 10;

function SafetyTab(props: TabProps): ReactNode {
  const { config, patch } = props;
  const g = config.guard;
  const setGuard = (p: Partial<DestinationConfig['guard']>): void => patch({ guard: { ...g, ...p } });
  return (
    <div className="stack">
      <fieldset>
        <legend>Hold a run for approval when</legend>
        <p className="muted small bottom-gap">A held run is not delivered until someone approves it on the dashboard. This protects the vendor’s data from a half-empty export.</p>
        <div className="form-grid">
          <NumberField
            label="More than this share of records disappears (%)"
            value={pct(g.maxRemovedShare)}
            min={0}
            max={100}
            step={0.1}
            onChange={(v) => setGuard({ maxRemovedShare: (v ?? 0) / 100 })}
          />
          <NumberField
            label="More than this share of records changes (%)"
            value={pct(g.maxChangedShare)}
            min={0}
            max={100}
            step={0.1}
            onChange={(v) => setGuard({ maxChangedShare: (v ?? 0) / 100 })}
          />
          <NumberField
            label="Only for files with at least (records)"
            value={g.minRecordsForShare}
            min={0}
            onChange={(v) => setGuard({ minRecordsForShare: v ?? 0 })}
            hint="Smaller files are not checked by share."
          />
        </div>
        <div className="top-gap">
          <CheckField label="A file that had records is now empty" checked={g.holdOnEmpty} onChange={(v) => setGuard({ holdOnEmpty: v })} />
        </div>
      </fieldset>
      <fieldset>
        <legend>Data</legend>
        <div className="form-grid">
          <SelectField
            label="When values break the format’s rules"
            value={config.onValidationError}
            onChange={(v) => patch({ onValidationError: v as DestinationConfig['onValidationError'] })}
            options={[
              { value: 'skip-rows', label: 'Leave out the bad rows and what depends on them' },
              { value: 'block', label: 'Deliver nothing' },
            ]}
          />
          {config.onValidationError === 'skip-rows' && (
            <NumberField
              label="Deliver nothing when more than this share of a file’s rows is bad (%)"
              value={pct(config.maxBadRowShare)}
              min={0}
              max={100}
              step={0.1}
              onChange={(v) => patch({ maxBadRowShare: (v ?? 0) / 100 })}
            />
          )}
          <SelectField
            label="Schools missing from the site ID map"
            value={config.unmappedSchool}
            onChange={(v) => patch({ unmappedSchool: v as DestinationConfig['unmappedSchool'] })}
            options={[
              { value: 'error', label: 'Report an error' },
              { value: 'use-sis-code', label: 'Send the SIS school code' },
            ]}
          />
          <SelectField
            label="What to send"
            value={config.syncMode}
            onChange={(v) => patch({ syncMode: v as DestinationConfig['syncMode'] })}
            options={[
              { value: 'full', label: 'Everything, every time (full)' },
              { value: 'delta', label: 'Only additions and changes (delta)' },
            ]}
          />
          <NumberField
            label="Keep delivered files (days)"
            value={config.keepDeliveredDays}
            min={0}
            onChange={(v) => patch({ keepDeliveredDays: v ?? 0 })}
            hint="0 = delete local copies after delivery."
          />
          <TextField
            label="Phone region"
            value={config.phoneRegion}
            onChange={(v) => patch({ phoneRegion: v.toUpperCase().slice(0, 2) })}
            hint="Two-letter country for numbers without a country code."
          />
        </div>
        <div className="top-gap">
          <CheckField
            label="Write formula-like values (=…, @…, +cmd…) with a leading ' so spreadsheets show them as text"
            checked={config.neutraliseFormulas}
            onChange={(v) => patch({ neutraliseFormulas: v })}
          />
        </div>
      </fieldset>
    </div>
  );
}
