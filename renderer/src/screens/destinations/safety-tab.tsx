/** Safety tab: when a run is held for approval, and what happens to bad rows and unmapped schools. */
import type { ReactNode } from 'react';
import type { DestinationConfig } from '../../api/types.js';
import { CheckField, CountField, PercentField, SelectField, TextField } from '../../components/fields.js';
import type { TabProps } from './tab-props.js';

export function SafetyTab(props: TabProps): ReactNode {
  const { config, patch } = props;
  const g = config.guard;
  const setGuard = (p: Partial<DestinationConfig['guard']>): void => patch({ guard: { ...g, ...p } });
  return (
    <div className="stack">
      <fieldset>
        <legend>Hold a run for approval when</legend>
        <p className="muted small bottom-gap">A held run is not delivered until someone approves it on the dashboard. This protects the vendor’s data from a half-empty export.</p>
        <div className="form-grid">
          <PercentField label="More than this share of records disappears (%)" value={g.maxRemovedShare} onChange={(maxRemovedShare) => setGuard({ maxRemovedShare })} />
          <PercentField label="More than this share of records changes (%)" value={g.maxChangedShare} onChange={(maxChangedShare) => setGuard({ maxChangedShare })} />
          <CountField
            label="Only for files with at least (records)"
            value={g.minRecordsForShare}
            onChange={(minRecordsForShare) => setGuard({ minRecordsForShare })}
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
            <PercentField
              label="Deliver nothing when more than this share of a file’s rows is bad (%)"
              value={config.maxBadRowShare}
              onChange={(maxBadRowShare) => patch({ maxBadRowShare })}
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
          <CountField label="Keep delivered files (days)" value={config.keepDeliveredDays} onChange={(keepDeliveredDays) => patch({ keepDeliveredDays })} hint="0 = delete local copies after delivery." />
          <CountField
            label="Keep files of runs that delivered nothing (days)"
            value={config.keepUndeliveredDays}
            onChange={(keepUndeliveredDays) => patch({ keepUndeliveredDays })}
            hint="Failed, blocked, discarded and preview runs; held runs are kept until approved or discarded, then this long."
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
