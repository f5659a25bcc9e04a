/**
 * Screens that belong to one destination (mapping, site IDs): a prompt to add one when there is
 * none, and a picker when there are several.
 */
import type { ReactNode } from 'react';
import { SelectField } from './fields.js';
import { Notice, Panel } from './ui.js';
import { href, navigate } from '../lib/router.js';

export function DestinationPicker(props: {
  /** What belongs to a destination, for the prompt: "The mapping", "Site IDs". */
  readonly what: string;
  readonly route: 'mapping' | 'sitemap';
  readonly names: readonly string[];
  readonly loaded: boolean;
  readonly selected: string | undefined;
}): ReactNode {
  return (
    <>
      {props.loaded && props.names.length === 0 && (
        <Notice kind="info">
          {props.what} {props.what.endsWith('s') ? 'belong' : 'belongs'} to a destination. <a href={href('destinations', '+new')}>Add a destination</a> first.
        </Notice>
      )}
      {props.names.length > 1 && (
        <Panel>
          <SelectField
            label="Destination"
            value={props.selected ?? ''}
            placeholder="Choose a destination"
            onChange={(v) => navigate(props.route, v)}
            options={props.names.map((n) => ({ value: n, label: n }))}
          />
        </Panel>
      )}
    </>
  );
}
