/** Step 4: what is saved, whether required columns are still unmapped, and Save. */
import type { ReactNode } from 'react';
import type { DestinationConfig, FormatSummary } from '../../api/types.js';
import { Notice, NotSavedNotice, Panel } from '../../components/ui.js';
import { countOverrides } from '../../lib/mapping.js';
import { plural } from '../../lib/format.js';
import { href } from '../../lib/router.js';
import type { ColumnRow } from './column-row.js';

export function SaveStep(props: {
  readonly config: DestinationConfig;
  readonly format: FormatSummary | undefined;
  readonly problems: readonly ColumnRow[];
  readonly saving: boolean;
  readonly saved: boolean;
  readonly error: string | null;
  readonly onSave: () => void;
  readonly onFix: () => void;
}): ReactNode {
  const overrides = countOverrides(props.config.mapping);
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
