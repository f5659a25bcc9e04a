/**
 * Destinations: where the files go (SFTP or a folder), the server's host key, the vendor format and
 * its options, the schedule with blackout windows, and the safety thresholds that hold a run.
 * One file per tab in this folder; the editor (destination-editor.tsx) holds the draft and Save.
 */
import type { ReactNode } from 'react';
import { Loading, Notice, PageHeader, Panel } from '../../components/ui.js';
import { useApi } from '../../lib/api-context.js';
import { NEW_ITEM } from '../../lib/entity-labels.js';
import { href } from '../../lib/router.js';
import { useLoad } from '../../lib/use-load.js';
import { DestinationEditor } from './destination-editor.js';

export function DestinationsScreen(props: { readonly name?: string }): ReactNode {
  const api = useApi();
  const destinations = useLoad(() => api.listDestinations({}), [api]);
  const types = useLoad(() => api.listConnectionTypes({}), [api]);
  const sources = useLoad(() => api.listSources({}), [api]);
  const formats = useLoad(() => api.listFormats({}), [api]);
  const destTypes = (types.data ?? []).filter((t) => t.kind === 'destination');
  const selected = props.name && props.name !== NEW_ITEM ? destinations.data?.find((d) => d.config.name === props.name) : undefined;
  const ready = destinations.data && types.data && sources.data && formats.data;
  const loadError = destinations.error ?? types.error ?? sources.error ?? formats.error;
  const editorProps = { types: destTypes, sources: sources.data ?? [], formats: formats.data ?? [], onSaved: destinations.reload };

  return (
    <>
      <PageHeader
        title="Destinations"
        intro="Each vendor RosterSync delivers to: where, in which format, when, and when to hold a run for approval."
        actions={
          <a className="btn primary" href={href('destinations', NEW_ITEM)}>
            Add destination
          </a>
        }
      />
      {loadError && <Notice kind="error" title="Destinations could not be loaded">{loadError}</Notice>}
      <div className="two-col">
        <nav aria-label="Destinations">
          {destinations.data && destinations.data.length === 0 && <p className="muted">No destinations yet.</p>}
          {(destinations.data ?? []).length > 0 && (
          <ul className="select-list">
            {(destinations.data ?? []).map((d) => (
              <li key={d.config.name}>
                <a className="select-item" href={href('destinations', d.config.name)} aria-current={d.config.name === props.name ? 'true' : undefined}>
                  <span>{d.config.name}</span>
                  <span className="sub">
                    {d.config.type.toUpperCase()} · {d.config.format}
                  </span>
                </a>
              </li>
            ))}
          </ul>
          )}
        </nav>
        <div>
          {!ready ? (
            !loadError && <Loading what="destinations" />
          ) : props.name === NEW_ITEM ? (
            (sources.data ?? []).length === 0 ? (
              <Notice kind="warn" title="Add a source first">
                A destination delivers data read from a source. <a href={href('sources', NEW_ITEM)}>Add a source</a>.
              </Notice>
            ) : (
              <DestinationEditor key="new" {...editorProps} />
            )
          ) : selected ? (
            <DestinationEditor key={selected.config.name} view={selected} {...editorProps} />
          ) : props.name ? (
            <Notice kind="warn">No destination named “{props.name}”.</Notice>
          ) : (
            <Panel>
              <p className="muted">Choose a destination on the left, or add one.</p>
            </Panel>
          )}
        </div>
      </div>
    </>
  );
}
