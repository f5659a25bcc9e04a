/** One destination's form: name, enabled, the four tabs, Save and Delete. */
import { useState, type ReactNode } from 'react';
import { guardSchema, scheduleSchema } from '../../../../src/shared/config.schema.js';
import type { ConnectionTypeInfo, DestinationConfig, DestinationView, FormatSummary, SourceView } from '../../api/types.js';
import { CheckField, TextField } from '../../components/fields.js';
import { DeleteButton, NotSavedNotice, Panel, TabPanel, Tabs } from '../../components/ui.js';
import { useApi } from '../../lib/api-context.js';
import { href } from '../../lib/router.js';
import { useSaveDelete } from '../../lib/use-save-delete.js';
import { useUnsavedChanges } from '../../lib/unsaved-changes.js';
import { ConnectionTab } from './connection-tab.js';
import { FormatTab } from './format-tab.js';
import { withStaleHiddenCleared } from './hidden-secrets.js';
import { SafetyTab } from './safety-tab.js';
import { ScheduleTab } from './schedule-tab.js';

function blankDestination(type: string, source: string, format: string): DestinationConfig {
  return {
    name: '',
    enabled: true,
    source,
    format,
    formatOptions: {},
    type: type as DestinationConfig['type'],
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
    keepUndeliveredDays: 7,
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

export function DestinationEditor(props: EditorProps): ReactNode {
  const api = useApi();
  const [config, setConfig] = useState<DestinationConfig>(
    props.view?.config ?? blankDestination(props.types[0]?.id ?? '', props.sources[0]?.config.name ?? '', props.formats[0]?.id ?? 'oneroster-1.1'),
  );
  const [view, setView] = useState(props.view);
  const [secrets, setSecrets] = useState<Record<string, string>>({});
  const [savedConfig, setSavedConfig] = useState(config);
  const dirty = useUnsavedChanges({ config, secrets }, { config: savedConfig, secrets: {} });
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
      setSavedConfig(config);
      setView(saved);
    },
    onChanged: props.onSaved,
    connectionChanged: () =>
      !view || view.config.type !== config.type || JSON.stringify(view.config.settings) !== JSON.stringify(config.settings) || Object.values(secrets).some(Boolean),
    testSaved: (saved) => api.testDestination({ config: saved.config }),
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
          {dirty && <span className="muted small">Unsaved changes</span>}
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
