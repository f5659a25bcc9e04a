/**
 * Destinations: where the files go (SFTP or a folder), the server's host key, the vendor format and
 * its options, the schedule with blackout windows, and the safety thresholds that hold a run.
 * One file per tab in this folder; the editor (destination-editor.tsx) holds the draft and Save.
 */
import type { ReactNode } from 'react';
import { ListEditorScreen } from '../../components/list-editor-screen.js';
import { Notice } from '../../components/ui.js';
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
  const editorProps = { types: destTypes, sources: sources.data ?? [], formats: formats.data ?? [], onSaved: destinations.reload };

  return (
    <ListEditorScreen
      screen="destinations"
      title="Destinations"
      intro="Each vendor RosterSync delivers to: where, in which format, when, and when to hold a run for approval."
      noun="destination"
      name={props.name}
      items={destinations.data}
      describe={(d) => `${d.config.type.toUpperCase()} · ${d.config.format}`}
      ready={Boolean(destinations.data && types.data && sources.data && formats.data)}
      loadError={destinations.error ?? types.error ?? sources.error ?? formats.error}
      newEditor={() =>
        (sources.data ?? []).length === 0 ? (
          <Notice kind="warn" title="Add a source first">
            A destination delivers data read from a source. <a href={href('sources', NEW_ITEM)}>Add a source</a>.
          </Notice>
        ) : (
          <DestinationEditor key="new" {...editorProps} />
        )
      }
      editor={(selected) => <DestinationEditor key={selected.config.name} view={selected} {...editorProps} />}
    />
  );
}
