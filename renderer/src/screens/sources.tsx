/**
 * Sources: add or edit a SIS database connection or export folder, test it, write the query (or
 * file name) for each kind of record, browse tables and columns and look at sample rows.
 */
import { useMemo, useRef, useState, type ReactNode } from 'react';
import { CANONICAL_FIELDS } from '../../../src/shared/entities.js';
import { ENTITIES, type Entity } from '../../../src/shared/format.js';
import type { CheckResultView, ConnectionTypeInfo, SampleView, SourceConfig, SourceView, TableView } from '../api/types.js';
import { DataGrid, gridColumns, textColumns } from '../components/data-grid.js';
import { SelectField, TextAreaField, TextField } from '../components/fields.js';
import { SettingsForm, secretsToReenterFor } from '../components/settings-form.js';
import { ListEditorScreen } from '../components/list-editor-screen.js';
import { DeleteButton, Loading, Notice, NotSavedNotice, Panel, TabPanel, Tabs } from '../components/ui.js';
import { ConnectionResult } from '../components/connection-result.js';
import { useApi } from '../lib/api-context.js';
import { errorMessage } from '../lib/errors.js';
import { useSaveDelete } from '../lib/use-save-delete.js';
import { useLoad } from '../lib/use-load.js';
import { useUnsavedChanges } from '../lib/unsaved-changes.js';
import { ENTITY_LABELS } from '../lib/entity-labels.js';
import type { ProfileEntity } from '../api/types.js';
import { ProfileOffer, ProfileQueryNote, profileOf } from './sources/sis-profile.js';
import { isBuilderDialect, type EntityBuilderSpec } from '../../../src/shared/entity-builder.js';
import { EntityBuilder } from './sources/entity-builder.js';

/** The second read-only wall: the login itself can write. Says why, what a run does, and the statements for a read-only login. */
function WritableLoginNotice(props: { readonly check: CheckResultView }): ReactNode {
  const { loginRights, readOnlyLoginRequired } = props.check;
  if (!loginRights) return null;
  return (
    <Notice kind="error" title="This login can write to the SIS" testId="source-login-writable">
      <ul>
        {loginRights.reasons.map((reason) => (
          <li key={reason}>{reason}</li>
        ))}
      </ul>
      <p>
        {readOnlyLoginRequired
          ? 'Runs from this source are refused until it uses a read-only login (Require a read-only login is on).'
          : 'Runs still read with this login, because Require a read-only login is off for this source.'}{' '}
        Ask the database administrator to create a read-only login:
      </p>
      <pre className="sql-block">{loginRights.readOnlyLoginSql}</pre>
    </Notice>
  );
}

export function SourcesScreen(props: { readonly name?: string }): ReactNode {
  const api = useApi();
  const sources = useLoad(() => api.listSources({}), [api]);
  const types = useLoad(() => api.listConnectionTypes({}), [api]);
  const sourceTypes = (types.data ?? []).filter((t) => t.kind === 'source');

  return (
    <ListEditorScreen
      screen="sources"
      title="Sources"
      intro="Where RosterSync reads your student information: a SIS database or a folder of exports."
      noun="source"
      name={props.name}
      items={sources.data}
      describe={(s) => sourceTypes.find((t) => t.id === s.config.type)?.displayName ?? s.config.type}
      ready={Boolean(sources.data && types.data)}
      loadError={sources.error ?? types.error}
      newEditor={() => sourceTypes.length > 0 && <SourceEditor key="new" types={sourceTypes} onSaved={sources.reload} />}
      editor={(selected) => sourceTypes.length > 0 && <SourceEditor key={selected.config.name} view={selected} types={sourceTypes} onSaved={sources.reload} />}
    />
  );
}

function blankSource(type: string): SourceConfig {
  return { name: '', type: type as SourceConfig['type'], settings: {}, entities: {} };
}

function SourceEditor(props: { readonly view?: SourceView; readonly types: readonly ConnectionTypeInfo[]; readonly onSaved: () => void }): ReactNode {
  const api = useApi();
  const [config, setConfig] = useState<SourceConfig>(props.view?.config ?? blankSource(props.types[0]?.id ?? ''));
  const [secrets, setSecrets] = useState<Record<string, string>>({});
  const [savedDraft, setSavedDraft] = useState<Draft>(() => ({ config, secrets }));
  const [check, setCheck] = useState<CheckResultView | null>(null);
  const [checking, setChecking] = useState(false);
  const [tab, setTab] = useState<SourceTab>('connection');
  const profiles = useLoad(() => api.listProfiles({}), [api]);
  const type = props.types.find((t) => t.id === config.type) ?? props.types[0];
  const isFiles = type?.capabilities.includes('files') ?? false;
  const draft = { config, secrets };
  const isNew = !props.view;
  const dirty = useUnsavedChanges(draft, savedDraft);

  const test = async (): Promise<void> => {
    setChecking(true);
    setCheck(null);
    try {
      setCheck(await api.testSource(draft));
    } catch (err) {
      setCheck({ ok: false, message: errorMessage(err) });
    } finally {
      setChecking(false);
    }
  };
  const { saving, error, save, remove } = useSaveDelete({
    kind: 'Source',
    screen: 'sources',
    currentName: props.view?.config.name,
    save: () => api.saveSource({ ...draft, previousName: props.view?.config.name }),
    remove: (name) => api.deleteSource({ name }),
    afterSave: () => {
      setSecrets({});
      setSavedDraft({ config, secrets: {} });
    },
    onChanged: props.onSaved,
    connectionChanged: () =>
      !props.view || props.view.config.type !== config.type || JSON.stringify(props.view.config.settings) !== JSON.stringify(config.settings) || Object.values(secrets).some(Boolean),
    testSaved: (saved) => api.testSource({ config: saved.config }),
  });
  const setEntity = (entity: Entity, text: string): void => {
    const entities = { ...config.entities };
    const builder = entities[entity]?.builder;
    if (text.trim() === '') delete entities[entity];
    else entities[entity] = isFiles ? { file: text } : { query: text, ...(builder ? { builder } : {}) };
    setConfig({ ...config, entities });
  };
  const applyBuilder = (entity: Entity, query: string, builder: EntityBuilderSpec): void => setConfig({ ...config, entities: { ...config.entities, [entity]: { query, builder } } });

  const profile = profileOf(config, profiles.data)?.profile;
  const entityCount = ENTITIES.filter((e) => config.entities[e] ?? profile?.entities[e]).length;
  const tabs = [
    { id: 'connection', label: 'Connection' },
    { id: 'queries', label: `${isFiles ? 'Files' : 'Queries'} (${entityCount})` },
    { id: 'browse', label: 'Browse tables' },
  ];
  return (
    <Panel title={isNew ? 'New source' : `Source ${props.view?.config.name ?? ''}`}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <div className="form-grid">
          <TextField label="Name" required value={config.name} onChange={(v) => setConfig({ ...config, name: v })} hint="Letters, digits, dot, dash or underscore." />
          <SelectField
            label="Type"
            value={config.type}
            onChange={(v) => {
              setConfig({ ...config, type: v as SourceConfig['type'], settings: {}, profile: undefined });
              setCheck(null);
            }}
            options={props.types.map((t) => ({ value: t.id, label: t.displayName }))}
          />
        </div>
        <div className="top-gap">
          <Tabs label="Source settings" idPrefix="src" tabs={tabs} selected={tab} onSelect={(t) => setTab(t as SourceTab)} />
          <TabPanel idPrefix="src" selected={tab}>
            {tab === 'connection' && type && (
              <div className="stack">
                <SettingsForm
                  schema={type.settingsSchema}
                  value={config.settings}
                  onChange={(settings) => setConfig({ ...config, settings })}
                  secretFields={type.secretFields}
                  secretsSet={props.view?.secretsSet}
                  secrets={secrets}
                  onSecretsChange={setSecrets}
                  secretsToReenter={secretsToReenterFor(type, props.view, config.settings, secrets)}
                />
                <div className="row">
                  <button type="button" className="btn" onClick={() => void test()} disabled={checking}>
                    {checking ? 'Testing…' : 'Test connection'}
                  </button>
                </div>
                {check && <ConnectionResult result={check} testId="source-check">{check.ok && check.serverVersion ? ` (${check.serverVersion})` : ''}</ConnectionResult>}
                {check?.loginRights?.canWrite && <WritableLoginNotice check={check} />}
                <ProfileOffer draft={draft} tested={check?.ok === true} profiles={profiles.data} onUse={(id) => setConfig({ ...config, profile: id })} />
              </div>
            )}
            {tab === 'queries' && (
              <div className="stack">
                <p className="muted small">
                  {isFiles
                    ? 'For each kind of record, the file name in the export folder (wildcards allowed). Leave empty what your SIS does not export.'
                    : 'For each kind of record, a read-only SELECT. Name the columns as suggested (AS first_name…) and the vendor formats map them without further work. Leave empty what you do not need.'}
                </p>
                {ENTITIES.map((entity) => (
                  <EntityQuery
                    key={entity}
                    entity={entity}
                    isFiles={isFiles}
                    value={config.entities[entity]?.query ?? config.entities[entity]?.file ?? ''}
                    onChange={(v) => setEntity(entity, v)}
                    draft={draft}
                    profile={profile?.entities[entity] ? { name: profile.name, entity: profile.entities[entity] } : undefined}
                    builder={!isFiles && entity !== 'roster' && isBuilderDialect(config.type) ? { saved: config.entities[entity]?.builder, onApply: (q, spec) => applyBuilder(entity, q, spec) } : undefined}
                  />
                ))}
              </div>
            )}
            {tab === 'browse' && <Browse draft={draft} />}
          </TabPanel>
        </div>
        <NotSavedNotice error={error} />
        <div className="form-actions">
          <button type="submit" className="btn primary" disabled={saving}>
            {saving ? 'Saving…' : 'Save source'}
          </button>
          {dirty && <span className="muted small">Unsaved changes</span>}
          {!isNew && (
            <>
              <span className="spacer" />
              <DeleteButton what="source" name={props.view?.config.name ?? ''} onConfirm={() => void remove()}>
                <p>Destinations that read from it stop working until they get another source.</p>
              </DeleteButton>
            </>
          )}
        </div>
      </form>
    </Panel>
  );
}

type SourceTab = 'connection' | 'queries' | 'browse';

type Draft = { readonly config: SourceConfig; readonly secrets: Record<string, string> };

function EntityQuery(props: {
  readonly entity: Entity;
  readonly isFiles: boolean;
  readonly value: string;
  readonly onChange: (v: string) => void;
  readonly draft: Draft;
  /** The source's profile's query (or file) for this entity: the starting point, used unless overridden. */
  readonly profile?: { readonly name: string; readonly entity: ProfileEntity };
  /** SQL sources: the no-SQL entity builder (screens/sources/entity-builder.tsx). */
  readonly builder?: { readonly saved?: EntityBuilderSpec; readonly onApply: (query: string, spec: EntityBuilderSpec) => void };
}): ReactNode {
  const api = useApi();
  const [building, setBuilding] = useState(false);
  const dialect = props.draft.config.type;
  const [sample, setSample] = useState<SampleView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const label = `${ENTITY_LABELS[props.entity]} ${props.isFiles ? 'file' : 'query'}`;
  const fromProfile = props.profile && !props.value ? (props.profile.entity.query ?? props.profile.entity.file) : undefined;
  const hint = `Suggested columns: ${CANONICAL_FIELDS[props.entity].slice(0, 8).join(', ')}${CANONICAL_FIELDS[props.entity].length > 8 ? ', …' : ''}`;
  const preview = async (): Promise<void> => {
    setLoading(true);
    setError(null);
    try {
      setSample(await api.sampleSource({ ...props.draft, entity: props.entity, limit: 20 }));
    } catch (err) {
      setSample(null);
      setError(errorMessage(err));
    } finally {
      setLoading(false);
    }
  };
  return (
    <div className="entity-query">
      {props.isFiles ? (
        <TextField label={label} value={props.value} onChange={props.onChange} placeholder={fromProfile ?? `${props.entity}.csv`} hint={hint} />
      ) : (
        <TextAreaField label={label} value={props.value} onChange={props.onChange} rows={props.value || fromProfile ? 6 : 2} hint={hint} placeholder={fromProfile ?? 'SELECT …'} />
      )}
      {props.profile && (
        <ProfileQueryNote
          profileName={props.profile.name}
          entity={props.profile.entity}
          overridden={Boolean(props.value)}
          isFiles={props.isFiles}
          entityLabel={ENTITY_LABELS[props.entity]}
          onOverride={props.onChange}
          onRevert={() => props.onChange('')}
        />
      )}
      {props.builder && !building && (
        <div className="row">
          <button type="button" className="btn small" onClick={() => setBuilding(true)}>
            {props.builder.saved ? 'Open the builder' : 'Build without SQL'}
          </button>
        </div>
      )}
      {props.builder && building && isBuilderDialect(dialect) && (
        <EntityBuilder
          entity={props.entity}
          dialect={dialect}
          draft={props.draft}
          saved={props.builder.saved}
          currentQuery={props.value}
          onApply={(query, spec) => {
            props.builder?.onApply(query, spec);
            setBuilding(false);
          }}
          onClose={() => setBuilding(false)}
        />
      )}
      {(props.value || fromProfile) && (
        <div className="row">
          <button type="button" className="btn small" onClick={() => void preview()} disabled={loading}>
            {loading ? 'Reading…' : sample ? 'Refresh sample' : `Sample ${ENTITY_LABELS[props.entity].toLowerCase()}`}
          </button>
          {sample && (
            <button type="button" className="btn small link" onClick={() => setSample(null)}>
              Hide sample
            </button>
          )}
        </div>
      )}
      {error && <Notice kind="error">{error}</Notice>}
      {sample && <SampleGrid sample={sample} label={`Sample of ${props.entity}`} />}
    </div>
  );
}

function SampleGrid(props: { readonly sample: SampleView; readonly label: string }): ReactNode {
  const columns = useMemo(() => textColumns(props.sample.columns), [props.sample]);
  return <DataGrid label={props.label} columns={columns} data={props.sample.rows} dense empty="The query returned no rows." />;
}

function Browse(props: { readonly draft: Draft }): ReactNode {
  const api = useApi();
  const [tables, setTables] = useState<readonly TableView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [table, setTable] = useState<TableView | null>(null);
  const [sample, setSample] = useState<SampleView | null>(null);
  const [sampleError, setSampleError] = useState<string | null>(null);

  const browse = async (): Promise<void> => {
    setLoading(true);
    setError(null);
    try {
      setTables(await api.discoverSource(props.draft));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setLoading(false);
    }
  };
  const draftRef = useRef(props.draft);
  draftRef.current = props.draft;
  const open = async (t: TableView): Promise<void> => {
    setTable(t);
    setSample(null);
    setSampleError(null);
    try {
      setSample(await api.sampleSource({ ...draftRef.current, table: t.schema ? `${t.schema}.${t.name}` : t.name, limit: 20 }));
    } catch (err) {
      setSampleError(errorMessage(err));
    }
  };
  const tableColumns = useMemo(() => {
    const c = gridColumns<TableView>();
    return [
      c.accessor((t) => (t.schema ? `${t.schema}.${t.name}` : t.name), {
        id: 'name',
        header: 'Name',
        cell: (i) => (
          <>
            <button type="button" className="btn link" onClick={() => void open(i.row.original)} aria-label={`Show ${i.getValue()}`}>
              {i.getValue()}
            </button>
            {i.row.original.kind !== 'table' && <span className="muted small"> {i.row.original.kind}</span>}
          </>
        ),
      }),
      c.accessor((t) => t.columns.length, { id: 'columns', header: 'Columns' }),
    ];
    // Stable columns: `open` reads the latest draft through a ref.
  }, []);
  const columnColumns = useMemo(() => {
    const c = gridColumns<TableView['columns'][number]>();
    return [
      c.accessor('name', { header: 'Column', cell: (i) => <span className="mono">{i.getValue()}</span> }),
      c.accessor('type', { header: 'Type' }),
      c.accessor((col) => (col.nullable === undefined ? '' : col.nullable ? 'yes' : 'no'), { id: 'nullable', header: 'Nullable' }),
    ];
  }, []);

  return (
    <div className="stack">
      <div className="row">
        <button type="button" className="btn" onClick={() => void browse()} disabled={loading}>
          {loading ? 'Reading…' : tables ? 'Refresh the list' : 'List tables'}
        </button>
        {!tables && !error && <span className="muted small">Lists the tables (or files) the connection can see, their columns and sample rows.</span>}
      </div>
      {error && <Notice kind="error">{error}</Notice>}
      {tables && (
        <div className="browse">
          <DataGrid
            label="Tables"
            columns={tableColumns}
            data={tables}
            filterable
            pageSize={50}
            getRowId={(t) => `${t.schema ?? ''}.${t.name}`}
            rowClass={(t) => (t === table ? 'row-selected' : undefined)}
            empty="No tables found."
          />
          <div className="stack">
            {!table && <p className="muted">Choose a table to see its columns and first rows.</p>}
            {table && (
              <>
                <h3>
                  {table.schema ? `${table.schema}.` : ''}
                  {table.name} <span className="muted small">({table.columns.length} columns)</span>
                </h3>
                {sampleError && <Notice kind="error">{sampleError}</Notice>}
                {sample ? <SampleGrid sample={sample} label={`Sample rows of ${table.name}`} /> : !sampleError && <Loading what="sample rows" />}
                <details>
                  <summary>Column types</summary>
                  <div className="details-body">
                    <DataGrid label={`Columns of ${table.name}`} columns={columnColumns} data={table.columns} getRowId={(c) => c.name} dense pageSize={200} />
                  </div>
                </details>
              </>
            )}
          </div>
        </div>
      )}
    </div>
  );
}
