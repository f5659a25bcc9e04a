/**
 * The run events of the agent (`GET /api/events`) as one `LiveFeed`, picked once like the `Api`:
 * inside the tray app the preload bridge's `window.liveEvents` (main streams the agent's events and
 * forwards them over IPC); in a browser the agent's stream through EventSource, the key as `?key=`.
 */
import { API_KEY_STORAGE } from '../../../src/shared/api.contract.js';
import { createEventSourceFeed } from '../../../src/shared/live-feed.js';
import type { LiveFeed } from './types.js';

export function pickLiveFeed(win: Window): LiveFeed {
  if (win.liveEvents) return win.liveEvents;
  return createEventSourceFeed({ baseUrl: '', key: () => win.sessionStorage.getItem(API_KEY_STORAGE), EventSource });
}
