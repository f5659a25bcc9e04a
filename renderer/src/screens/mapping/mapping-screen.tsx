/**
 * The mapping wizard: 1 pick the vendor format → 2 map every target column to a source column,
 * a fixed value or a combination, with transforms and name-similarity suggestions, and a live
 * preview of the file → 3 preview every file with its validation findings → 4 save.
 * Required columns that would be sent empty are listed above the grid and block nothing silently.
 * One file per step in this folder; the wizard (wizard.tsx) holds the draft and the step order.
 */
import { useEffect, type ReactNode } from 'react';
import { DestinationPicker } from '../../components/destination-picker.js';
import { Loading, Notice, PageHeader } from '../../components/ui.js';
import { useApi } from '../../lib/api-context.js';
import { navigate } from '../../lib/router.js';
import { useLoad } from '../../lib/use-load.js';
import { Wizard } from './wizard.js';

export function MappingScreen(props: { readonly destination?: string }): ReactNode {
  const api = useApi();
  const destinations = useLoad(() => api.listDestinations({}), [api]);
  const formats = useLoad(() => api.listFormats({}), [api]);
  const names = (destinations.data ?? []).map((d) => d.config.name);
  const view = destinations.data?.find((d) => d.config.name === props.destination);
  useEffect(() => {
    if (!props.destination && names.length === 1 && names[0]) navigate('mapping', names[0]);
  }, [props.destination, names]);

  return (
    <>
      <PageHeader title="Mapping" intro="Tell RosterSync where each column of the vendor’s files comes from in your SIS." />
      {(destinations.error || formats.error) && <Notice kind="error">{destinations.error ?? formats.error}</Notice>}
      <DestinationPicker what="The mapping" route="mapping" names={names} loaded={Boolean(destinations.data)} selected={props.destination} />
      {props.destination && destinations.data && !view && <Notice kind="warn">No destination named “{props.destination}”.</Notice>}
      {view && formats.data && <Wizard key={view.config.name} view={view} formats={formats.data} onSaved={destinations.reload} />}
      {props.destination && !destinations.data && !destinations.error && <Loading what="the destination" />}
    </>
  );
}
