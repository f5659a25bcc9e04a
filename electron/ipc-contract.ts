/**
 * The one IPC channel between the preload bridge and the main process, and the call names the
 * preload exposes. Kept free of zod (the sandboxed preload bundle stays tiny); a unit test checks
 * that BRIDGE_CALL_NAMES equals the contract's API_CALL_NAMES, so a new call cannot be forgotten.
 */
export const API_CHANNEL = 'rostersync:api';

/**
 * The agent's run events (GET /api/events), streamed by main and pushed to the window on this
 * channel as `LiveMessage`s; the preload bridge exposes them as the renderer's LiveFeed
 * (`window.liveEvents`). The window asks for the stream's current state on LIVE_STATE_CHANNEL.
 */
export const LIVE_CHANNEL = 'rostersync:live';
export const LIVE_STATE_CHANNEL = 'rostersync:live-state';

export type LiveMessage = { readonly kind: 'event'; readonly event: unknown } | { readonly kind: 'state'; readonly state: 'connecting' | 'live' | 'reconnecting' };

/** Must equal API_CALL_NAMES of src/shared/api.contract.ts (sorted). */
export const BRIDGE_CALL_NAMES = [
  'approveRun',
  'cancelRun',
  'deleteDestination',
  'deleteSource',
  'detectSource',
  'discardRun',
  'discoverSource',
  'exportConfig',
  'exportSiteMap',
  'getDashboard',
  'getDestination',
  'getFormat',
  'getRun',
  'getSettings',
  'getSiteMap',
  'getSource',
  'getStatus',
  'importConfig',
  'importSiteMap',
  'listAudit',
  'listConnectionTypes',
  'listDestinations',
  'listFormats',
  'listProfiles',
  'listRuns',
  'listSources',
  'pauseSchedules',
  'previewMapping',
  'probeHostKey',
  'resumeSchedules',
  'reviewHeldRun',
  'rotateApiKey',
  'runReport',
  'sampleSource',
  'saveDestination',
  'saveGeneralSettings',
  'saveNotifications',
  'saveSiteMap',
  'saveSource',
  'sendTestEmail',
  'suggestMapping',
  'syncNow',
  'testDestination',
  'testSource',
  'trustHostKey',
  'unmappedSchools',
  'whoReceived',
] as const;

export interface IpcRequest {
  readonly name: string;
  readonly input: unknown;
}

/** Main never throws across IPC (Electron would rewrite the message): it answers with an envelope. */
export type IpcAnswer =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: { readonly code: string; readonly message: string } };

export function isIpcRequest(value: unknown): value is IpcRequest {
  return typeof value === 'object' && value !== null && typeof (value as { name?: unknown }).name === 'string';
}
