/**
 * Choosing a destination: for screens that belong to one (mapping, site IDs), a prompt to add one
 * when there is none and a picker when there are several; for lists, a filter.
 */
import type { ReactNode } from 'react';
import { SelectField } from './fields.js';
import { Notice, Panel } from './ui.js';
import { href, navigate } from '../lib/router.js';
import { useApi } from '../lib/api-context.js';
import { useLoad } from '../lib/use-load.js';

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

/** A list filter by destination ("All destinations" when empty), loading the names itself (History, Audit). */
export function DestinationFilter(props: { readonly value: string; readonly onChange: (name: string) => void }): ReactNode {
  const api = useApi();
  const destinations = useLoad(() => api.listDestinations({}), [api]);
  return (
    <SelectField
      label="Destination"
      value={props.value}
      onChange={props.onChange}
      placeholder="All destinations"
      options={(destinations.data ?? []).map((d) => ({ value: d.config.name, label: d.config.name }))}
    />
  );
}
