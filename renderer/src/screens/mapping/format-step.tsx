/** Step 1: the vendor format and its options. */
import type { ReactNode } from 'react';
import type { DestinationConfig, FormatSummary } from '../../api/types.js';
import { FormatOptions } from '../../components/format-options.js';
import { Panel } from '../../components/ui.js';
import { countOverrides } from '../../lib/mapping.js';

export function FormatStep(props: { readonly config: DestinationConfig; readonly formats: readonly FormatSummary[]; readonly onChange: (p: Partial<DestinationConfig>) => void }): ReactNode {
  const { config } = props;
  const format = props.formats.find((f) => f.id === config.format);
  const hasMapping = countOverrides(config.mapping) > 0;
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
