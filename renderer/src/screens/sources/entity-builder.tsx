/**
 * The no-SQL entity builder (#12.4), opened from one entity's query on the Sources screen: pick the
 * main table or view, optional joins by key, related tables whose values are listed, filters, and
 * the column of each canonical field — suggested from the SIS's own names and checked against 20
 * sample rows. The generated SELECT is shown live; "Use this query" puts it (with the choices) in
 * the entity's query box, where it stays editable and passes the same read-only guard as any query.
 */
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { CANONICAL_FIELDS, MULTI_VALUED_FIELDS, REQUIRED_FIELDS } from '../../../../src/shared/entities.js';
import { buildEntityQuery, type BuilderDialect, type EntityBuilderSpec, type FilterOp } from '../../../../src/shared/entity-builder.js';
import { suggestCanonicalFields } from '../../../../src/shared/field-names.js';
import type { Entity } from '../../../../src/shared/format.js';
import type { SampleView, SourceConfig, TableView } from '../../api/types.js';
import { DataGrid, textColumns } from '../../components/data-grid.js';
import { SelectField, TextField } from '../../components/fields.js';
import { Loading, Notice } from '../../components/ui.js';
import { useApi } from '../../lib/api-context.js';
import { ENTITY_LABELS } from '../../lib/entity-labels.js';
import { errorMessage } from '../../lib/errors.js';
import {
  builderCandidates,
  choiceFromValue,
  choiceValue,
  columnsOf,
  EMPTY_BUILDER,
  fromSpec,
  tableKey,
  toSpec,
  type BuilderState,
  type FilterState,
  type JoinState,
  type ListState,
} from './entity-builder-state.js';

type Draft = { readonly config: SourceConfig; readonly secrets: Record<string, string> };

const FILTER_OPS: readonly { value: FilterOp; label: string }[] = [
  { value: 'equals', label: 'is' },
  { value: 'not-equals', label: 'is not' },
  { value: 'in', label: 'is one of' },
  { value: 'not-in', label: 'is none of' },
  { value: 'is-null', label: 'is empty' },
  { value: 'is-not-null', label: 'is not empty' },
];

const SAMPLE_ROWS = 20;

export function EntityBuilder(props: {
  readonly entity: Entity;
  readonly dialect: BuilderDialect;
  readonly draft: Draft;
  /** The choices saved with the entity's query, if it was built here. */
  readonly saved?: EntityBuilderSpec;
  /** The entity's current query, to say when it was edited by hand after the builder made it. */
  readonly currentQuery?: string;
  readonly onApply: (query: string, spec: EntityBuilderSpec) => void;
  readonly onClose: () => void;
}): ReactNode {
  const api = useApi();
  const { entity, dialect, draft } = props;
  const [tables, setTables] = useState<readonly TableView[] | null>(null);
  const [tablesError, setTablesError] = useState<string | null>(null);
  const [state, setState] = useState<BuilderState>(() => (props.saved ? fromSpec(props.saved) : EMPTY_BUILDER));
  const [touched, setTouched] = useState<ReadonlySet<string>>(() => new Set(Object.keys(props.saved?.fields ?? {})));
  const [samples, setSamples] = useState<Readonly<Record<string, SampleView | string>>>({});
  const [preview, setPreview] = useState<SampleView | null>(null);
  const [previewError, setPreviewError] = useState<string | null>(null);
  const [previewing, setPreviewing] = useState(false);

  useEffect(() => {
    let live = true;
    api
      .discoverSource(draft)
      .then((t) => live && setTables(t))
      .catch((err: unknown) => live && setTablesError(errorMessage(err)));
    return () => {
      live = false;
    };
    // The table list is read once per opening of the builder.
  }, [api]);

  // 20 sample rows of every table in use (main, joins, lists), each read once.
  const inUse = useMemo(() => [state.table, ...state.joins.map((j) => j.table), ...state.lists.map((l) => l.table)].filter(Boolean), [state]);
  useEffect(() => {
    for (const key of inUse) {
      if (samples[key] !== undefined) continue;
      setSamples((s) => ({ ...s, [key]: 'loading' }));
      api
        .sampleSource({ ...draft, table: key, limit: SAMPLE_ROWS })
        .then((sample) => setSamples((s) => ({ ...s, [key]: sample })))
        .catch((err: unknown) => setSamples((s) => ({ ...s, [key]: `Sample of ${key} failed: ${errorMessage(err)}` })));
    }
    // `samples` is read to skip tables already asked for; asking again on its change would loop.
  }, [api, inUse]);

  const candidates = useMemo(() => (tables ? builderCandidates(state, tables) : []), [state, tables]);

  // Fill the fields the admin has not touched with the best-fitting free columns.
  useEffect(() => {
    if (!candidates.length) return;
    const used = new Set(Object.values(state.fields).flatMap((c) => (c.kind === 'column' ? [c.key] : c.kind === 'list' ? [`list:${c.list}.${c.column}`] : [])));
    const suggestions = suggestCanonicalFields(
      entity,
      candidates.filter((c) => !used.has(c.key)),
      [...Object.keys(state.fields), ...touched],
    );
    if (!suggestions.length) return;
    setState((s) => {
      const fields = { ...s.fields };
      for (const { field, key } of suggestions) fields[field] = choiceFromValue(key.startsWith('list:') ? key : `col:${key}`, undefined)!;
      return { ...s, fields };
    });
  }, [candidates, entity, state.fields, touched]);

  const spec = tables && state.table ? toSpec(entity, state, tables) : null;
  let sql = '';
  let sqlError: string | null = null;
  if (spec) {
    try {
      sql = buildEntityQuery(spec, dialect);
    } catch (err) {
      sqlError = errorMessage(err);
    }
  }
  const editedByHand = Boolean(props.saved && props.currentQuery && props.currentQuery.trim() !== safeBuild(props.saved, dialect));

  const update = (patch: Partial<BuilderState>): void => {
    setState((s) => ({ ...s, ...patch }));
    setPreview(null);
  };
  const setField = (field: string, value: string): void => {
    setTouched((t) => new Set([...t, field]));
    const fields = { ...state.fields };
    const choice = choiceFromValue(value, fields[field]);
    if (choice) fields[field] = choice;
    else delete fields[field];
    update({ fields });
  };
  const setConstant = (field: string, value: string): void => update({ fields: { ...state.fields, [field]: { kind: 'constant', value } } });
  const runPreview = async (): Promise<void> => {
    setPreviewing(true);
    setPreviewError(null);
    try {
      setPreview(await api.sampleSource({ ...draft, query: sql, limit: SAMPLE_ROWS }));
    } catch (err) {
      setPreview(null);
      setPreviewError(errorMessage(err));
    } finally {
      setPreviewing(false);
    }
  };

  const tableOptions = (tables ?? []).map((t) => ({ value: tableKey(t), label: `${tableKey(t)}${t.kind === 'view' ? ' (view)' : ''}` }));
  const aliases = ['b', ...state.joins.map((_, k) => `j${k + 1}`)];
  const aliasTable = (alias: string): string => (alias === 'b' ? state.table : (state.joins[Number(alias.slice(1)) - 1]?.table ?? ''));
  const aliasLabel = (alias: string): string => `${alias === 'b' ? 'main' : `join ${alias.slice(1)}`}: ${aliasTable(alias)}`;
  const columnOptions = (upTo: number): { value: string; label: string }[] =>
    aliases.slice(0, upTo).flatMap((alias) => columnsOf(aliasTable(alias), tables ?? []).map((c) => ({ value: `${alias}.${c}`, label: `${aliasTable(alias)}.${c}` })));

  return (
    <section className="entity-builder stack" aria-label={`Build the ${entity} query`} data-testid={`entity-builder-${entity}`}>
      <div className="row">
        <h3>Build the {ENTITY_LABELS[entity].toLowerCase()} query without SQL</h3>
        <span className="spacer" />
        <button type="button" className="btn small link" onClick={props.onClose}>
          Close the builder
        </button>
      </div>
      {editedByHand && <Notice kind="warn">The query below was edited by hand after the builder made it. Using the builder's query replaces those edits.</Notice>}
      {tablesError && <Notice kind="error" title="The tables could not be listed">{tablesError}</Notice>}
      {!tables && !tablesError && <Loading what="tables and views" />}
      {tables && (
        <>
          <SelectField
            label="Main table or view"
            value={state.table}
            placeholder="Choose a table or view"
            options={tableOptions}
            onChange={(table) => {
              setTouched(new Set());
              update({ table, joins: [], lists: [], filters: [], fields: {} });
            }}
            hint={`One row of this table is one ${entity.replace(/s$/, '')}.`}
          />
          {state.table && (
            <>
              <fieldset className="builder-group">
                <legend>Joins: columns from other tables</legend>
                {state.joins.map((join, k) => (
                  <JoinRow
                    key={k}
                    index={k}
                    join={join}
                    tableOptions={tableOptions}
                    joinColumns={columnsOf(join.table, tables)}
                    equalsOptions={columnOptions(k + 1)}
                    onChange={(j) => update({ joins: state.joins.map((x, n) => (n === k ? j : x)) })}
                    onRemove={() => update({ ...withoutAlias(state, `j${k + 1}`), joins: state.joins.slice(0, k) })}
                  />
                ))}
                {state.joins.length < 3 && (
                  <button type="button" className="btn small" onClick={() => update({ joins: [...state.joins, { table: '', kind: 'left', column: '', equals: '' }] })}>
                    Add a join
                  </button>
                )}
              </fieldset>
              <fieldset className="builder-group">
                <legend>Lists: several values from a related table (a student's guardians, a class's terms)</legend>
                {state.lists.map((list, k) => (
                  <ListRow
                    key={k}
                    index={k}
                    list={list}
                    tableOptions={tableOptions}
                    listColumns={columnsOf(list.table, tables)}
                    equalsOptions={columnOptions(aliases.length)}
                    onChange={(l) => update({ lists: state.lists.map((x, n) => (n === k ? l : x)) })}
                    onRemove={() => update({ lists: state.lists.filter((_, n) => n !== k), fields: withoutList(state, k) })}
                  />
                ))}
                <button type="button" className="btn small" onClick={() => update({ lists: [...state.lists, { table: '', key: '', equals: '' }] })}>
                  Add a related list
                </button>
              </fieldset>
              <fieldset className="builder-group">
                <legend>Filters: which rows to read (all must hold)</legend>
                {state.filters.map((filter, k) => (
                  <FilterRow
                    key={k}
                    index={k}
                    filter={filter}
                    columnOptions={columnOptions(aliases.length)}
                    onChange={(f) => update({ filters: state.filters.map((x, n) => (n === k ? f : x)) })}
                    onRemove={() => update({ filters: state.filters.filter((_, n) => n !== k) })}
                  />
                ))}
                <button type="button" className="btn small" onClick={() => update({ filters: [...state.filters, { on: 'b', column: '', op: 'equals', value: '' }] })}>
                  Add a filter
                </button>
              </fieldset>
              <FieldTable entity={entity} state={state} candidates={candidates} samples={samples} aliasTable={aliasTable} aliasLabel={aliasLabel} onChange={setField} onConstant={setConstant} />
              {Object.values(samples).some((s) => typeof s === 'string' && s !== 'loading') && (
                <Notice kind="error">{Object.values(samples).filter((s): s is string => typeof s === 'string' && s !== 'loading').join(' ')}</Notice>
              )}
            </>
          )}
          <div className="stack">
            <h4>Generated SELECT ({dialect})</h4>
            {sqlError ? <Notice kind="warn">{sqlError}</Notice> : sql ? <pre className="sql-block" data-testid="builder-sql">{sql}</pre> : <p className="muted small">Choose a table to start.</p>}
            <div className="row">
              <button type="button" className="btn" disabled={!sql || previewing} onClick={() => void runPreview()}>
                {previewing ? 'Reading…' : `Preview ${SAMPLE_ROWS} rows`}
              </button>
              <button type="button" className="btn primary" disabled={!sql} onClick={() => spec && props.onApply(sql, toSpecOutput(spec))}>
                Use this query
              </button>
              <span className="muted small">The query goes into the {entity} query box, where you can still edit it. Save the source to keep it.</span>
            </div>
            {previewError && <Notice kind="error">{previewError}</Notice>}
            {preview && <SampleTable sample={preview} label={`Preview of the ${entity} query`} />}
          </div>
        </>
      )}
    </section>
  );
}

function safeBuild(spec: EntityBuilderSpec, dialect: BuilderDialect): string | undefined {
  try {
    return buildEntityQuery(spec, dialect);
  } catch {
    return undefined;
  }
}

/** The generator has validated the spec (defaults filled): the saved form. */
function toSpecOutput(spec: ReturnType<typeof toSpec>): EntityBuilderSpec {
  return { joins: [], filters: [], ...spec } as EntityBuilderSpec;
}

/** Drops the filters and fields that read a removed join (and every later one, which is renumbered away). */
function withoutAlias(state: BuilderState, alias: string): Partial<BuilderState> {
  const from = Number(alias.slice(1));
  const gone = (a: string): boolean => a.startsWith('j') && Number(a.slice(1)) >= from;
  const fields = Object.fromEntries(Object.entries(state.fields).filter(([, c]) => !(c.kind === 'column' && gone(c.key.split('.')[0]!))));
  return { fields, filters: state.filters.filter((f) => !gone(f.on)) };
}

function withoutList(state: BuilderState, index: number): BuilderState['fields'] {
  const fields: Record<string, BuilderState['fields'][string]> = {};
  for (const [field, c] of Object.entries(state.fields)) {
    if (c.kind !== 'list') fields[field] = c;
    else if (c.list !== index) fields[field] = c.list > index ? { ...c, list: c.list - 1 } : c;
  }
  return fields;
}

const options = (names: readonly string[]): { value: string; label: string }[] => names.map((n) => ({ value: n, label: n }));

function JoinRow(props: {
  readonly index: number;
  readonly join: JoinState;
  readonly tableOptions: readonly { value: string; label: string }[];
  readonly joinColumns: readonly string[];
  readonly equalsOptions: readonly { value: string; label: string }[];
  readonly onChange: (join: JoinState) => void;
  readonly onRemove: () => void;
}): ReactNode {
  const n = props.index + 1;
  const { join } = props;
  return (
    <div className="builder-row">
      <SelectField label={`Join ${n} table`} value={join.table} placeholder="Choose a table" options={props.tableOptions} onChange={(table) => props.onChange({ ...join, table, column: '' })} />
      <SelectField label={`Join ${n}: its column`} value={join.column} placeholder="Key column" options={options(props.joinColumns)} onChange={(column) => props.onChange({ ...join, column })} />
      <SelectField label={`Join ${n}: equals`} value={join.equals} placeholder="Column of the rows above" options={props.equalsOptions} onChange={(equals) => props.onChange({ ...join, equals })} />
      <SelectField
        label={`Join ${n}: rows without a match`}
        value={join.kind}
        options={[
          { value: 'left', label: 'keep them' },
          { value: 'inner', label: 'leave them out' },
        ]}
        onChange={(kind) => props.onChange({ ...join, kind: kind as JoinState['kind'] })}
      />
      <button type="button" className="btn small link" onClick={props.onRemove} aria-label={`Remove join ${n}`}>
        Remove
      </button>
    </div>
  );
}

function ListRow(props: {
  readonly index: number;
  readonly list: ListState;
  readonly tableOptions: readonly { value: string; label: string }[];
  readonly listColumns: readonly string[];
  readonly equalsOptions: readonly { value: string; label: string }[];
  readonly onChange: (list: ListState) => void;
  readonly onRemove: () => void;
}): ReactNode {
  const n = props.index + 1;
  const { list } = props;
  return (
    <div className="builder-row">
      <SelectField label={`List ${n} table`} value={list.table} placeholder="Choose a table" options={props.tableOptions} onChange={(table) => props.onChange({ ...list, table, key: '' })} />
      <SelectField label={`List ${n}: its column`} value={list.key} placeholder="Key column" options={options(props.listColumns)} onChange={(key) => props.onChange({ ...list, key })} />
      <SelectField label={`List ${n}: equals`} value={list.equals} placeholder="Column of the rows above" options={props.equalsOptions} onChange={(equals) => props.onChange({ ...list, equals })} />
      <button type="button" className="btn small link" onClick={props.onRemove} aria-label={`Remove list ${n}`}>
        Remove
      </button>
    </div>
  );
}

function FilterRow(props: {
  readonly index: number;
  readonly filter: FilterState;
  readonly columnOptions: readonly { value: string; label: string }[];
  readonly onChange: (filter: FilterState) => void;
  readonly onRemove: () => void;
}): ReactNode {
  const n = props.index + 1;
  const { filter } = props;
  const needsValue = filter.op !== 'is-null' && filter.op !== 'is-not-null';
  return (
    <div className="builder-row">
      <SelectField
        label={`Filter ${n} column`}
        value={filter.column ? `${filter.on}.${filter.column}` : ''}
        placeholder="Choose a column"
        options={props.columnOptions}
        onChange={(key) => {
          const dot = key.indexOf('.');
          props.onChange({ ...filter, on: key.slice(0, dot), column: key.slice(dot + 1) });
        }}
      />
      <SelectField label={`Filter ${n} condition`} value={filter.op} options={FILTER_OPS} onChange={(op) => props.onChange({ ...filter, op: op as FilterOp })} />
      {needsValue && (
        <TextField
          label={`Filter ${n} value`}
          value={filter.value}
          onChange={(value) => props.onChange({ ...filter, value })}
          hint={filter.op === 'in' || filter.op === 'not-in' ? 'Several values separated by commas.' : 'Compared as text.'}
        />
      )}
      <button type="button" className="btn small link" onClick={props.onRemove} aria-label={`Remove filter ${n}`}>
        Remove
      </button>
    </div>
  );
}

/** The first few distinct non-empty values of a column in its table's sample. */
function sampleValues(sample: SampleView | string | undefined, column: string): string {
  if (!sample || typeof sample === 'string') return '';
  const values = [...new Set(sample.rows.map((r) => r[column]).filter((v): v is string => v !== null && v !== undefined && v !== ''))];
  return values.length ? `${values.slice(0, 3).join(' · ')}${values.length > 3 ? ' …' : ''}` : '(empty in the sample)';
}

function FieldTable(props: {
  readonly entity: Entity;
  readonly state: BuilderState;
  readonly candidates: ReturnType<typeof builderCandidates>;
  readonly samples: Readonly<Record<string, SampleView | string>>;
  readonly aliasTable: (alias: string) => string;
  readonly aliasLabel: (alias: string) => string;
  readonly onChange: (field: string, value: string) => void;
  readonly onConstant: (field: string, value: string) => void;
}): ReactNode {
  const { entity, state } = props;
  const required = new Set(REQUIRED_FIELDS[entity]);
  const fields = [...REQUIRED_FIELDS[entity], ...CANONICAL_FIELDS[entity].filter((f) => !required.has(f))];
  const mapped = fields.filter((f) => state.fields[f]).length;
  const missing = REQUIRED_FIELDS[entity].filter((f) => !state.fields[f]);
  return (
    <fieldset className="builder-group">
      <legend>
        Fields: {mapped} of {fields.length} mapped, from {SAMPLE_ROWS} sample rows of each table
      </legend>
      {missing.length > 0 && <Notice kind="warn">Required fields not mapped yet: {missing.join(', ')}.</Notice>}
      <table className="builder-fields">
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">Comes from</th>
            <th scope="col">Sample values</th>
          </tr>
        </thead>
        <tbody>
          {fields.map((field) => {
            const choice = state.fields[field];
            const multi = MULTI_VALUED_FIELDS.has(field);
            const columnChoices = props.candidates.filter((c) => !c.list);
            const listChoices = multi ? props.candidates.filter((c) => c.list) : [];
            let values = '';
            if (choice?.kind === 'column') {
              const [alias, ...rest] = choice.key.split('.');
              values = sampleValues(props.samples[props.aliasTable(alias!)], rest.join('.'));
            } else if (choice?.kind === 'list') values = `${sampleValues(props.samples[state.lists[choice.list]?.table ?? ''], choice.column)} (listed per row)`;
            return (
              <tr key={field} data-field={field}>
                <th scope="row" className="mono">
                  {field}
                  {required.has(field) && (
                    <span className="req" aria-label="required">
                      *
                    </span>
                  )}
                </th>
                <td>
                  <div className="row">
                    <select aria-label={`Source of ${field}`} value={choiceValue(choice)} onChange={(e) => props.onChange(field, e.target.value)}>
                      <option value="">(not mapped)</option>
                      {['b', ...state.joins.map((_, k) => `j${k + 1}`)].map((alias) => (
                        <optgroup key={alias} label={props.aliasLabel(alias)}>
                          {columnChoices
                            .filter((c) => c.key.startsWith(`${alias}.`))
                            .map((c) => (
                              <option key={c.key} value={`col:${c.key}`}>
                                {c.name}
                              </option>
                            ))}
                        </optgroup>
                      ))}
                      {state.lists.map((list, k) =>
                        listChoices.some((c) => c.key.startsWith(`list:${k}.`)) ? (
                          <optgroup key={`list${k}`} label={`list ${k + 1}: ${list.table}`}>
                            {listChoices
                              .filter((c) => c.key.startsWith(`list:${k}.`))
                              .map((c) => (
                                <option key={c.key} value={c.key}>
                                  all {c.name} values
                                </option>
                              ))}
                          </optgroup>
                        ) : null,
                      )}
                      <option value="const">A constant…</option>
                    </select>
                    {choice?.kind === 'constant' && (
                      <input aria-label={`Constant value of ${field}`} value={choice.value} onChange={(e) => props.onConstant(field, e.target.value)} />
                    )}
                  </div>
                </td>
                <td className="muted small">{values}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </fieldset>
  );
}

function SampleTable(props: { readonly sample: SampleView; readonly label: string }): ReactNode {
  const columns = useMemo(() => textColumns(props.sample.columns), [props.sample]);
  return <DataGrid label={props.label} columns={columns} data={props.sample.rows} dense empty="The query returned no rows." />;
}
