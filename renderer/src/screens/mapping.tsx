/**
 * The mapping wizard: 1 pick the vendor format → 2 map every target column to a source column,
 * a fixed value or a combination, with transforms and name-similarity suggestions, and a live
 * preview of the file → 3 preview every file with its validation findings → 4 save.
 * Required columns that would be sent empty are listed above the grid and block nothing silently.
 */
import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { ColumnMapping, Entity } from '../../../src/shared/format.js';
import type { TransformStep } from '../../../src/shared/transform.js';
import type { ColumnSuggestion, DestinationConfig, DestinationView, FormatSummary, MappingSuggestions, PreviewFile, PreviewResult } from '../api/types.js';
import { DataGrid, gridColumns } from '../components/data-grid.js';
import { DestinationPicker } from '../components/destination-picker.js';
import { ConfirmDialog, Loading, Notice, NotSavedNotice, PageHeader, Panel, TabPanel, Tabs } from '../components/ui.js';
import { useApi } from '../lib/api-context.js';
import { errorMessage } from '../lib/errors.js';
import { formatCount, plural } from '../lib/format.js';
import {
  columnState,
  countOverrides,
  describeMapping,
  describeStep,
  findingIndex,
  findingKey,
  getOverride,
  isRequiredProblem,
  modeOf,
  setOverride,
  TRANSFORM_PRESETS,
  type ColumnRef,
  type ColumnState,
  type MappingMode,
  type MappingTable,
} from '../lib/mapping.js';
import { href, navigate } from '../lib/router.js';
import { useToasts } from '../lib/toasts.js';
import { useLoad } from '../lib/use-load.js';
import { FormatOptions } from './destinations.js';
import { FindingsGrid } from './run-parts.js';
import { ENTITY_LABELS } from './sources.js';

const STEPS = [
  { id: 'format', label: 'Format' },
  { id: 'columns', label: 'Columns' },
  { id: 'preview', label: 'Preview' },
  { id: 'save', label: 'Save' },
] as const;
type StepId = (typeof STEPS)[number]['id'];

/** A suggestion must be at least this close to be offered. */
const SUGGEST_MIN_SCORE = 0.5;

export function MappingScreen(props: { readonly destination?: string }): ReactNode {
  const api = useApi();
  const destinations = useLoad(() => api.listDestinations({}), [api]);
  const formats = useLoad(() => api.listFormats({}), [api]);
  const names = (destinations.data ?? []).map((d) => d.config.name);
  const view = destinations.data?.find((d) => d.config.name === props.destination);
  useEffect(() => {
    if (!props.destination && names.length === 1 && names[0]) navigate('mapping', names[0]);
  }, [props.destination, names]);

  return (
    <>
      <PageHeader title="Mapping" intro="Tell RosterSync where each column of the vendor’s files comes from in your SIS." />
      {(destinations.error || formats.error) && <Notice kind="error">{destinations.error ?? formats.error}</Notice>}
      <DestinationPicker what="The mapping" route="mapping" names={names} loaded={Boolean(destinations.data)} selected={props.destination} />
      {props.destination && destinations.data && !view && <Notice kind="warn">No destination named “{props.destination}”.</Notice>}
      {view && formats.data && <Wizard key={view.config.name} view={view} formats={formats.data} onSaved={destinations.reload} />}
      {props.destination && !destinations.data && !destinations.error && <Loading what="the destination" />}
    </>
  );
}

type OnMap = (ref: ColumnRef, value: ColumnMapping | undefined, mode?: MappingMode) => void;

interface ColumnRow extends ColumnSuggestion {
  readonly override: ColumnMapping | undefined;
  readonly effective: ColumnMapping | null;
  readonly mode: MappingMode;
  readonly state: ColumnState;
  readonly problem: boolean;
  readonly fields: readonly string[] | undefined;
}

function Wizard(props: { readonly view: DestinationView; readonly formats: readonly FormatSummary[]; readonly onSaved: () => void }): ReactNode {
  const api = useApi();
  const toasts = useToasts();
  const [config, setConfig] = useState<DestinationConfig>(props.view.config);
  const [step, setStep] = useState<StepId>('format');
  const [suggestions, setSuggestions] = useState<MappingSuggestions | null>(null);
  const [suggestError, setSuggestError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [confirmSave, setConfirmSave] = useState(false);
  const [constHints, setConstHints] = useState<ReadonlySet<string>>(() => new Set());
  const headingRef = useRef<HTMLHeadingElement>(null);
  const format = props.formats.find((f) => f.id === config.format);
  const mapping = config.mapping as MappingTable;

  // Field names of the source and the format's columns, for the chosen format and options.
  const loadSuggestions = useCallback(async () => {
    setSuggestError(null);
    try {
      setSuggestions(await api.suggestMapping({ source: config.source, format: config.format, formatOptions: config.formatOptions, mapping: config.mapping }));
    } catch (err) {
      setSuggestions(null);
      setSuggestError(errorMessage(err));
    }
    // The mapping itself is echoed only as `current`, which the wizard does not use: no reload per edit.
  }, [api, config.source, config.format, config.formatOptions]);
  useEffect(() => {
    void loadSuggestions();
  }, [loadSuggestions]);

  const rows: readonly ColumnRow[] = useMemo(() => {
    if (!suggestions) return [];
    return suggestions.columns.map((c) => {
      const ref = { file: c.file, entity: c.entity, column: c.column };
      const override = getOverride(mapping, ref);
      const effective = override ?? c.formatDefault;
      const fields = suggestions.sourceFields[c.entity];
      const state = columnState(effective, fields);
      const found = modeOf(override, c.formatDefault);
      const mode = found === 'blank' && constHints.has(cellId(ref)) ? 'const' : found;
      return { ...c, override, effective, mode, state, problem: isRequiredProblem(c.required, state), fields };
    });
  }, [suggestions, mapping, constHints]);
  const problems = rows.filter((r) => r.problem);

  const go = (next: StepId): void => setStep(next);
  // A new step takes the focus to its heading, so Tab continues inside the step.
  const shownStep = useRef(step);
  useEffect(() => {
    if (shownStep.current === step) return;
    shownStep.current = step;
    headingRef.current?.focus();
  }, [step]);
  const index = STEPS.findIndex((s) => s.id === step);
  // Stable, so the grid's cells keep their DOM (and keyboard focus) while the mapping changes.
  const setMapping = useCallback((ref: ColumnRef, value: ColumnMapping | undefined, mode?: MappingMode): void => {
    setConfig((c) => ({ ...c, mapping: setOverride(c.mapping as MappingTable, ref, value) as DestinationConfig['mapping'] }));
    // A fixed value still being typed looks like "leave empty" in the data: remember the choice.
    setConstHints((hints) => {
      const id = cellId(ref);
      if ((mode === 'const') === hints.has(id)) return hints;
      const next = new Set(hints);
      if (mode === 'const') next.add(id);
      else next.delete(id);
      return next;
    });
    setSaved(false);
  }, []);

  const save = async (): Promise<void> => {
    setConfirmSave(false);
    setSaving(true);
    setSaveError(null);
    try {
      const result = await api.saveDestination({ config });
      setConfig(result.config);
      setSaved(true);
      toasts.info(`Mapping of ${result.config.name} saved.`);
      props.onSaved();
    } catch (err) {
      setSaveError(errorMessage(err));
    } finally {
      setSaving(false);
    }
  };

  return (
    <div className="wizard">
      <nav aria-label="Wizard steps">
        <ol className="steps">
          {STEPS.map((s, i) => (
            <li key={s.id}>
              <button
                type="button"
                className={`step${i < index ? ' done' : ''}`}
                aria-current={s.id === step ? 'step' : undefined}
                onClick={() => go(s.id)}
              >
                <span className="num" aria-hidden="true">
                  {i + 1}
                </span>
                {s.label}
                {s.id === 'columns' && problems.length > 0 && <span className="badge error">{problems.length}</span>}
              </button>
            </li>
          ))}
        </ol>
      </nav>
      <h2 className="step-title" ref={headingRef} tabIndex={-1}>
        Step {index + 1} of {STEPS.length}: {STEPS[index]?.label}
      </h2>
      {suggestError && (
        <Notice kind="error" title={`The columns of ${config.source} could not be read`}>
          {suggestError}
        </Notice>
      )}
      {step === 'format' && (
        <FormatStep
          config={config}
          formats={props.formats}
          onChange={(p) => {
            setConfig((c) => ({ ...c, ...p }));
            setSaved(false);
          }}
        />
      )}
      {step === 'columns' && (suggestions ? <ColumnsStep config={config} rows={rows} problems={problems} suggestions={suggestions} onMap={setMapping} /> : !suggestError && <Loading what="columns" />)}
      {step === 'preview' && <PreviewStep config={config} />}
      {step === 'save' && (
        <SaveStep
          config={config}
          format={format}
          problems={problems}
          saving={saving}
          saved={saved}
          error={saveError}
          onSave={() => (problems.length ? setConfirmSave(true) : void save())}
          onFix={() => go('columns')}
        />
      )}
      <div className="wizard-nav">
        {index > 0 && (
          <button type="button" className="btn" onClick={() => go(STEPS[index - 1]?.id ?? 'format')}>
            Back
          </button>
        )}
        <span className="spacer" />
        {index < STEPS.length - 1 && (
          <button type="button" className="btn primary" onClick={() => go(STEPS[index + 1]?.id ?? 'save')}>
            Next: {STEPS[index + 1]?.label}
          </button>
        )}
      </div>
      <ConfirmDialog
        open={confirmSave}
        title="Save with required columns unmapped?"
        confirmLabel="Save anyway"
        danger
        onCancel={() => setConfirmSave(false)}
        onConfirm={() => void save()}
      >
        <p>
          {plural(problems.length, 'required column')} would be sent empty. Runs will report errors and deliver nothing until they are mapped.
        </p>
      </ConfirmDialog>
    </div>
  );
}

function FormatStep(props: { readonly config: DestinationConfig; readonly formats: readonly FormatSummary[]; readonly onChange: (p: Partial<DestinationConfig>) => void }): ReactNode {
  const { config } = props;
  const format = props.formats.find((f) => f.id === config.format);
  const hasMapping = countOverrides(config.mapping as MappingTable) > 0;
  return (
    <Panel>
      <fieldset className="format-choice">
        <legend>Vendor format</legend>
        <div className="stack">
          {props.formats.map((f) => (
            <div className="radio-card" key={f.id}>
              <input
                type="radio"
                id={`format-${f.id}`}
                name="format"
                value={f.id}
                checked={config.format === f.id}
                onChange={() => props.onChange({ format: f.id, formatOptions: {}, mapping: {}, disabledColumns: [] })}
                aria-describedby={`format-${f.id}-desc`}
              />
              <label htmlFor={`format-${f.id}`}>
                <strong>{f.displayName}</strong>
                <span className="muted small" id={`format-${f.id}-desc`}>
                  {f.description} Files: {f.files.join(', ')}.
                </span>
              </label>
            </div>
          ))}
        </div>
        {hasMapping && <p className="muted small top-gap">Choosing another format clears the column mapping.</p>}
      </fieldset>
      {format && format.options.length > 0 && (
        <fieldset className="top-gap">
          <legend>Options for {format.displayName}</legend>
          <FormatOptions options={format.options} value={config.formatOptions} onChange={(formatOptions) => props.onChange({ formatOptions })} />
        </fieldset>
      )}
    </Panel>
  );
}

const cellId = (r: ColumnRef): string => `map-${r.file}-${r.entity}-${r.column}`.replace(/[^A-Za-z0-9_-]/g, '_');

function ColumnsStep(props: {
  readonly config: DestinationConfig;
  readonly rows: readonly ColumnRow[];
  readonly problems: readonly ColumnRow[];
  readonly suggestions: MappingSuggestions;
  readonly onMap: OnMap;
}): ReactNode {
  const { rows, problems, suggestions } = props;
  const files = useMemo(() => [...new Set(rows.map((r) => r.file))], [rows]);
  const [file, setFile] = useState(files[0] ?? '');
  const entities = useMemo(() => [...new Set(rows.filter((r) => r.file === file).map((r) => r.entity))], [rows, file]);
  const [entityByFile, setEntityByFile] = useState<Record<string, Entity>>({});
  const entity = entityByFile[file] && entities.includes(entityByFile[file]) ? entityByFile[file] : entities[0];
  const visible = rows.filter((r) => r.file === file && r.entity === entity);
  // Only required columns are filled in bulk: an optional column left empty is often deliberate.
  const suggestable = problems.filter((r) => suggestionFor(r) !== undefined);

  const jump = (r: ColumnRow): void => {
    setFile(r.file);
    setEntityByFile((m) => ({ ...m, [r.file]: r.entity }));
    setTimeout(() => document.getElementById(cellId(r))?.focus(), 0);
  };
  const applySuggestions = (): void => {
    for (const r of suggestable) {
      const field = suggestionFor(r);
      if (field) props.onMap(r, { from: field, transforms: r.effective?.transforms?.length ? r.effective.transforms : undefined });
    }
  };

  const fileTabs = files.map((f) => {
    const n = problems.filter((p) => p.file === f).length;
    return {
      id: f,
      label: (
        <>
          {f}
          {n > 0 && (
            <span className="badge error tab-count" aria-label={`${n} required unmapped`}>
              {n}
            </span>
          )}
        </>
      ),
    };
  });
  const sourceError = entity ? suggestions.sourceErrors[entity] : undefined;
  return (
    <div className="stack">
      {problems.length > 0 ? (
        <Notice kind="error" title={`${plural(problems.length, 'required column')} not mapped`} testId="required-unmapped">
          <p>These columns must have a value in every row. Choose where each one comes from:</p>
          <ul className="problem-list">
            {problems.map((r) => (
              <li key={cellId(r)}>
                <button type="button" className="btn link" onClick={() => jump(r)}>
                  {r.file} › {r.column} ({ENTITY_LABELS[r.entity].toLowerCase()})
                </button>{' '}
                <span className="small">{stateText(r.state)}</span>
              </li>
            ))}
          </ul>
        </Notice>
      ) : (
        <Notice kind="ok" testId="required-ok">
          Every required column has a source.
        </Notice>
      )}
      {suggestable.length > 0 && (
        <div className="row">
          <button type="button" className="btn" onClick={applySuggestions}>
            Use suggested columns ({suggestable.length})
          </button>
          <span className="muted small">Maps each required column to the source column whose name matches best.</span>
        </div>
      )}
      <div>
        <Tabs label="Files" idPrefix="mapfile" tabs={fileTabs} selected={file} onSelect={setFile} />
        <TabPanel idPrefix="mapfile" selected={file}>
          {entities.length > 1 && (
            <fieldset className="segmented entity-switch">
              <legend>Rows of {file} come from</legend>
              {entities.map((e) => {
                const n = problems.filter((p) => p.file === file && p.entity === e).length;
                return (
                  <label key={e} className={e === entity ? 'on' : undefined}>
                    <input type="radio" name={`entity-${file}`} value={e} checked={e === entity} onChange={() => setEntityByFile((m) => ({ ...m, [file]: e }))} />
                    {ENTITY_LABELS[e]}
                    {n > 0 && <span className="badge error tab-count">{n}</span>}
                  </label>
                );
              })}
            </fieldset>
          )}
          {entity && suggestions.sourceFields[entity] === undefined && (
            <Notice kind={sourceError ? 'error' : 'info'}>
              {sourceError
                ? `The ${ENTITY_LABELS[entity].toLowerCase()} query failed: ${sourceError}`
                : `Source ${props.config.source} has no ${ENTITY_LABELS[entity].toLowerCase()} query, so ${file} gets no rows of this kind. Add one on the Sources screen if the vendor needs them.`}
            </Notice>
          )}
          {entity && <ColumnGrid rows={visible} onMap={props.onMap} file={file} entity={entity} />}
        </TabPanel>
      </div>
      <LivePreview config={props.config} file={file} />
    </div>
  );
}

function suggestionFor(r: ColumnRow): string | undefined {
  if (r.fields === undefined || r.override) return undefined;
  if (r.state.kind !== 'unmapped' && r.state.kind !== 'missing-field') return undefined;
  const best = r.candidates.find((c) => c.score >= SUGGEST_MIN_SCORE);
  return best?.field;
}

function stateText(s: ColumnState): string {
  switch (s.kind) {
    case 'ok':
      return 'Mapped';
    case 'unmapped':
      return 'Not mapped';
    case 'blank':
      return 'Left empty';
    case 'missing-field':
      return `Source has no column ${s.fields.join(' or ')}`;
    case 'no-entity':
      return 'No rows of this kind';
    default: {
      const never: never = s;
      return String(never);
    }
  }
}

function ColumnGrid(props: { readonly rows: readonly ColumnRow[]; readonly file: string; readonly entity: Entity; readonly onMap: OnMap }): ReactNode {
  const { onMap } = props;
  const columns = useMemo(() => {
    const c = gridColumns<ColumnRow>();
    return [
      c.accessor('column', {
        header: 'Vendor column',
        enableSorting: false,
        cell: (i) => (
          <div>
            <span className="col-name">{i.getValue()}</span>
            {i.row.original.required && <span className="req-tag">Required</span>}
            {i.row.original.description && <div className="muted small">{i.row.original.description}</div>}
          </div>
        ),
      }),
      c.display({ id: 'source', header: 'Comes from', cell: (i) => <SourceCell row={i.row.original} onMap={onMap} /> }),
      c.display({ id: 'transforms', header: 'Then', cell: (i) => <TransformCell row={i.row.original} onMap={onMap} /> }),
      c.display({
        id: 'state',
        header: 'Status',
        cell: (i) => {
          const r = i.row.original;
          const cls = r.problem ? 'error' : r.state.kind === 'ok' ? 'ok' : r.state.kind === 'missing-field' ? 'warning' : 'none';
          return <span className={`badge ${cls}`}>{r.problem ? `Required: ${stateText(r.state).toLowerCase()}` : stateText(r.state)}</span>;
        },
      }),
    ];
  }, [onMap]);
  return (
    <DataGrid
      label={`Columns of ${props.file} for ${ENTITY_LABELS[props.entity].toLowerCase()}`}
      columns={columns}
      data={props.rows}
      getRowId={(r) => cellId(r)}
      rowClass={(r) => (r.problem ? 'row-required' : undefined)}
      pageSize={200}
      testId="mapping-grid"
    />
  );
}

const MODE_LABELS: Record<MappingMode, string> = {
  default: 'Format default',
  unmapped: 'Not mapped',
  field: 'Source column',
  const: 'Fixed value',
  template: 'Combine columns',
  blank: 'Leave empty',
};

function SourceCell(props: { readonly row: ColumnRow; readonly onMap: OnMap }): ReactNode {
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

function TransformCell(props: { readonly row: ColumnRow; readonly onMap: OnMap }): ReactNode {
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

/**
 * The preview under way, shared by every preview panel: the agent runs one build per destination
 * at a time (a second one is refused as busy), so a new preview waits for the previous one.
 */
let previewInFlight: Promise<unknown> | null = null;

/** Runs a preview of the draft (nothing saved or delivered), debounced while the admin edits. */
function usePreview(config: DestinationConfig, rows: number, keepBadRows = false): { result: PreviewResult | null; error: string | null; busy: boolean; refresh: () => void } {
  const api = useApi();
  const [result, setResult] = useState<PreviewResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [tick, setTick] = useState(0);
  const token = useRef(0);
  const key = JSON.stringify(config);
  useEffect(() => {
    const mine = ++token.current;
    setBusy(true);
    const start = async (): Promise<void> => {
      while (previewInFlight) await previewInFlight.catch(() => undefined);
      // Superseded by a later edit while waiting: that one runs instead.
      if (mine !== token.current) return;
      const request = api.previewMapping({ config, rows, findingsLimit: 2000, keepBadRows });
      previewInFlight = request;
      try {
        const r = await request;
        if (mine !== token.current) return;
        setResult(r);
        setError(null);
        setBusy(false);
      } catch (err) {
        if (mine !== token.current) return;
        setError(errorMessage(err));
        setBusy(false);
      } finally {
        if (previewInFlight === request) previewInFlight = null;
      }
    };
    const timer = setTimeout(() => void start(), 700);
    return () => {
      clearTimeout(timer);
      token.current++;
    };
    // `key` stands for the whole config.
  }, [api, key, rows, keepBadRows, tick]);
  return { result, error, busy, refresh: () => setTick((t) => t + 1) };
}

function LivePreview(props: { readonly config: DestinationConfig; readonly file: string }): ReactNode {
  const { result, error, busy } = usePreview(props.config, 8, true);
  const preview = result?.files.find((f) => f.name === props.file);
  const fileFindings = (result?.findings ?? []).filter((f) => f.file === props.file);
  const errors = fileFindings.filter((f) => f.severity === 'error').length;
  return (
    <Panel
      title={`Live preview: ${props.file}`}
      actions={
        <span className="muted small" role="status">
          {busy ? 'Updating…' : result ? `${formatCount(preview?.rows ?? 0)} rows · ${errors} errors · ${fileFindings.length - errors} warnings (first findings)` : ''}
        </span>
      }
    >
      {error && <Notice kind="error" title="Preview failed">{error}</Notice>}
      {!result && !error && <Loading what="the preview" />}
      {result && !preview && <p className="muted">This file is not produced with the current options.</p>}
      {preview && <PreviewTable file={preview} findings={result?.findings ?? []} />}
      {fileFindings.length > 0 && (
        <ul className="finding-list">
          {fileFindings.slice(0, 5).map((f, i) => (
            <li key={i}>
              <span className={`badge ${f.severity}`}>{f.severity === 'error' ? 'Error' : 'Warning'}</span> row {f.row}, <span className="mono">{f.column}</span>: {f.message}
            </li>
          ))}
          {fileFindings.length > 5 && <li className="muted">… and more in the Preview step.</li>}
        </ul>
      )}
    </Panel>
  );
}

function PreviewTable(props: { readonly file: PreviewFile; readonly findings: PreviewResult['findings'] }): ReactNode {
  const { file } = props;
  const index = useMemo(() => findingIndex(props.findings.filter((f) => f.file === file.name)), [props.findings, file.name]);
  type PreviewRow = { readonly n: number; readonly cells: readonly string[] };
  const data = useMemo<PreviewRow[]>(() => file.sample.map((cells, i) => ({ n: i + 1, cells })), [file]);
  const columns = useMemo(() => {
    const c = gridColumns<PreviewRow>();
    return [
      c.accessor('n', { header: '#', enableSorting: false, cell: (i) => <span className="muted">{i.getValue()}</span> }),
      ...file.header.map((h, col) =>
        c.accessor((r) => r.cells[col] ?? '', {
          id: `c${col}`,
          header: h,
          enableSorting: false,
          cell: (i) => {
            const hit = index.get(findingKey(file.name, i.row.original.n, h));
            const v = i.getValue();
            return (
              <>
                {v === '' ? <span className="muted">—</span> : v}
                {hit && <span className="sr-only"> ({hit.severity}: {hit.messages.join('; ')})</span>}
              </>
            );
          },
        }),
      ),
    ];
  }, [file, index]);
  const colName = (id: string): string | undefined => (id.startsWith('c') ? file.header[Number(id.slice(1))] : undefined);
  return (
    <DataGrid
      label={`Preview of ${file.name}`}
      columns={columns}
      data={data}
      dense
      getRowId={(r) => String(r.n)}
      empty="No rows: the file would be sent with its header only."
      cellClass={(r, id) => {
        const name = colName(id);
        const hit = name ? index.get(findingKey(file.name, r.n, name)) : undefined;
        return hit ? `cell-${hit.severity}` : undefined;
      }}
      cellTitle={(r, id) => {
        const name = colName(id);
        return name ? index.get(findingKey(file.name, r.n, name))?.messages.join('\n') : undefined;
      }}
      testId={`preview-${file.name}`}
    />
  );
}

function PreviewStep(props: { readonly config: DestinationConfig }): ReactNode {
  const { result, error, busy, refresh } = usePreview(props.config, 20);
  const [file, setFile] = useState<string | null>(null);
  // Open on the first file with an error, else the first file.
  const firstWithError = result?.files.find((f) => result.findings.some((x) => x.file === f.name && x.severity === 'error'));
  const current = result?.files.find((f) => f.name === file) ?? firstWithError ?? result?.files[0];
  return (
    <div className="stack">
      <Panel
        title="Preview of every file"
        actions={
          <button type="button" className="btn" onClick={refresh} disabled={busy}>
            {busy ? 'Running…' : 'Run again'}
          </button>
        }
      >
        <p className="muted small">The whole source is read and checked; nothing is saved or delivered. Cells with findings are highlighted.</p>
        {error && <Notice kind="error" title="Preview failed">{error}</Notice>}
        {!result && !error && <Loading what="the preview (reading the whole source)" />}
        {result && (
          <div className="stack top-gap">
            <Notice kind={result.errors ? 'error' : result.warnings ? 'warn' : 'ok'} testId="preview-summary">
              {result.errors
                ? `${plural(result.errors, 'error')} and ${plural(result.warnings, 'warning')}: a run now would deliver nothing. Fix them in the mapping, the site IDs or the SIS.`
                : result.warnings
                  ? `No errors, ${plural(result.warnings, 'warning')}: a run now would deliver these files.`
                  : 'No errors or warnings: a run now would deliver these files.'}
            </Notice>
            {result.unmappedSchools.length > 0 && (
              <Notice kind="warn" title="Schools without a site ID">
                {result.unmappedSchools.join(', ')}. <a href={href('sitemap', props.config.name)}>Enter their site IDs</a>.
              </Notice>
            )}
            {result.holdReasons.length > 0 && (
              <Notice kind="warn" title="A real run would be held for approval">
                <ul className="plain-list">
                  {result.holdReasons.map((r) => (
                    <li key={r}>{r}</li>
                  ))}
                </ul>
              </Notice>
            )}
            <Tabs
              label="Files"
              idPrefix="pvfile"
              tabs={result.files.map((f) => {
                const n = result.findings.filter((x) => x.file === f.name && x.severity === 'error').length;
                return {
                  id: f.name,
                  label: (
                    <>
                      {f.name} <span className="muted small">({formatCount(f.rows)})</span>
                      {n > 0 && <span className="badge error tab-count">{n}</span>}
                    </>
                  ),
                };
              })}
              selected={current?.name ?? ''}
              onSelect={setFile}
            />
            <TabPanel idPrefix="pvfile" selected={current?.name ?? ''}>
              {current && <PreviewTable file={current} findings={result.findings} />}
            </TabPanel>
          </div>
        )}
      </Panel>
      {result && (
        <Panel title="Validation findings">
          <FindingsGrid findings={result.findings} total={result.findingsTotal} errors={result.errors} warnings={result.warnings} />
        </Panel>
      )}
    </div>
  );
}

function SaveStep(props: {
  readonly config: DestinationConfig;
  readonly format: FormatSummary | undefined;
  readonly problems: readonly ColumnRow[];
  readonly saving: boolean;
  readonly saved: boolean;
  readonly error: string | null;
  readonly onSave: () => void;
  readonly onFix: () => void;
}): ReactNode {
  const overrides = countOverrides(props.config.mapping as MappingTable);
  return (
    <Panel>
      <dl className="kv">
        <dt>Destination</dt>
        <dd>{props.config.name}</dd>
        <dt>Format</dt>
        <dd>{props.format?.displayName ?? props.config.format}</dd>
        <dt>Source</dt>
        <dd>{props.config.source}</dd>
        <dt>Changed columns</dt>
        <dd>{overrides}</dd>
      </dl>
      <div className="top-gap">
        {props.problems.length > 0 ? (
          <Notice kind="error" title={`${plural(props.problems.length, 'required column')} not mapped`}>
            <button type="button" className="btn link" onClick={props.onFix}>
              Go back to the columns
            </button>
          </Notice>
        ) : (
          <Notice kind="ok">Every required column has a source.</Notice>
        )}
      </div>
      <NotSavedNotice error={props.error} />
      <div className="form-actions">
        <button type="button" className="btn primary" onClick={props.onSave} disabled={props.saving}>
          {props.saving ? 'Saving…' : 'Save mapping'}
        </button>
        {props.saved && (
          <span role="status" className="saved-note">
            Saved. Next: <a href={href('sitemap', props.config.name)}>site IDs</a> or <a href={href('dashboard')}>Sync now on the dashboard</a>.
          </span>
        )}
      </div>
    </Panel>
  );
}
