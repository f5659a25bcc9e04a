/** Every contract call's handler; the object type makes a missing or extra handler a compile error. */
import { adminHandlers } from './admin.js';
import { agentHandlers } from './agent.js';
import { destinationHandlers } from './destinations.js';
import { mappingHandlers } from './mapping.js';
import { runHandlers } from './runs.js';
import { settingsHandlers } from './settings.js';
import { siteMapHandlers } from './site-map.js';
import { sourceHandlers } from './sources.js';
import type { Handlers } from './types.js';

export const HANDLERS: Handlers = {
  ...agentHandlers,
  ...sourceHandlers,
  ...destinationHandlers,
  ...mappingHandlers,
  ...siteMapHandlers,
  ...runHandlers,
  ...settingsHandlers,
  ...adminHandlers,
};

export type { Handler, Handlers } from './types.js';
