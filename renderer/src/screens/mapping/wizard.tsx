/** The wizard's frame: the draft configuration, the step list, Back/Next, and saving. */
import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { ColumnMapping } from '../../../../src/shared/format.js';
import type { DestinationConfig, DestinationView, FormatSummary, MappingSuggestions } from '../../api/types.js';
import { Badge, ConfirmDialog, Loading, Notice } from '../../components/ui.js';
import { useApi } from '../../lib/api-context.js';
import { errorMessage } from '../../lib/errors.js';
import { plural } from '../../lib/format.js';
import { columnState, getOverride, isRequiredProblem, modeOf, setOverride, type ColumnRef, type MappingMode } from '../../lib/mapping.js';
import { useToasts } from '../../lib/toasts.js';
import { useUnsavedChanges } from '../../lib/unsaved-changes.js';
import { cellId, type ColumnRow } from './column-row.js';
import { ColumnsStep } from './columns-step.js';
import { FormatStep } from './format-step.js';
import { PreviewStep } from './preview-step.js';
import { SaveStep } from './save-step.js';

const STEPS = [
  { id: 'format', label: 'Format' },
  { id: 'columns', label: 'Columns' },
  { id: 'preview', label: 'Preview' },
  { id: 'save', label: 'Save' },
] as const;
type StepId = (typeof STEPS)[number]['id'];

export function Wizard(props: { readonly view: DestinationView; readonly formats: readonly FormatSummary[]; readonly onSaved: () => void }): ReactNode {
  const api = useApi();
  const toasts = useToasts();
  const [config, setConfig] = useState<DestinationConfig>(props.view.config);
  const [savedConfig, setSavedConfig] = useState(config);
  useUnsavedChanges(config, savedConfig);
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
  const mapping = config.mapping;

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
    setConfig((c) => ({ ...c, mapping: setOverride(c.mapping, ref, value) }));
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
      setSavedConfig(result.config);
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
                {s.id === 'columns' && problems.length > 0 && <Badge kind="error">{problems.length}</Badge>}
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
