import type { DestinationConfig } from '../../api/types.js';

/** What every tab of the destination editor gets: the draft and a way to change it. */

export interface TabProps {
  readonly config: DestinationConfig;
  readonly patch: (p: Partial<DestinationConfig>) => void;
}
