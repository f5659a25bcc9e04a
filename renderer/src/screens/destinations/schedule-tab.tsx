/** Schedule tab: when runs start, blackout dates, the vendor's upload limit and the stale-delivery alert. */
import { useMemo, type ReactNode } from 'react';
import { staleLimitHours } from '../../../../src/shared/config.schema.js';
import type { DestinationConfig } from '../../api/types.js';
import { CheckField, CountField, NumberField, SelectField, TextField } from '../../components/fields.js';
import type { TabProps } from './tab-props.js';

/** The zones this browser knows, with UTC and the schedule's own zone (a machine may name one the list lacks, such as Etc/UTC). */
function timeZones(current: string): readonly string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (k: string) => string[] };
  const zones = intl.supportedValuesOf?.('timeZone') ?? [];
  return [...new Set(['UTC', current, ...zones])];
}

export function ScheduleTab(props: TabProps): ReactNode {
  const { config, patch } = props;
  const s = config.schedule;
  const set = (p: Partial<DestinationConfig['schedule']>): void => patch({ schedule: { ...s, ...p } });
  const zones = useMemo(() => timeZones(s.timezone), [s.timezone]);
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
          <CountField label="At most one upload every (minutes)" value={s.minIntervalMinutes} onChange={(minIntervalMinutes) => set({ minIntervalMinutes })} hint="The vendor’s limit; 0 = none." />
          <CountField
            label="Alert after hours without a delivery"
            value={staleLimitHours(s)}
            onChange={(staleAfterHours) => set({ staleAfterHours, staleAfterDays: undefined })}
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
