/**
 * The preload bridge: exposes `window.api`, the same typed `Api` the browser's fetch client
 * implements, by sending every call through ONE IPC channel to the main process (which checks
 * the sender and forwards the call to the agent's API). Raw ipcRenderer is never exposed.
 *
 * Runs sandboxed, so it is bundled to CommonJS (dist/electron/preload.cjs) by
 * electron/vite.preload.config.ts: a sandboxed preload can only require('electron').
 *
 * Errors: a failed call rejects with an Error carrying the agent's message. contextBridge copies
 * Error objects without custom properties, so the renderer gets the message but not the code
 * (inside Electron the key is held by main, so 'unauthorized' does not occur).
 *
 * Run events: main streams the agent's /api/events and pushes each event on LIVE_CHANNEL; the
 * bridge exposes them as `window.liveEvents`, the same LiveFeed the browser builds on EventSource.
 */
import { contextBridge, ipcRenderer } from 'electron';
import type { LiveEvent } from '../src/shared/api.contract.js';
import type { LiveFeed, LiveFeedState } from '../src/shared/live-feed.js';
import { API_CHANNEL, BRIDGE_CALL_NAMES, LIVE_CHANNEL, LIVE_STATE_CHANNEL, type IpcAnswer, type IpcRequest, type LiveMessage } from './ipc-contract.js';

async function invoke(name: string, input: unknown): Promise<unknown> {
  const request: IpcRequest = { name, input: input ?? {} };
  const answer = (await ipcRenderer.invoke(API_CHANNEL, request)) as IpcAnswer;
  if (answer.ok) return answer.value;
  const error = new Error(answer.error.message);
  error.name = 'ApiError';
  throw error;
}

const api: Record<string, (input: unknown) => Promise<unknown>> = {};
for (const name of BRIDGE_CALL_NAMES) api[name] = (input: unknown) => invoke(name, input);

contextBridge.exposeInMainWorld('api', Object.freeze(api));

const liveEvents: LiveFeed = {
  subscribe(onEvent, onState) {
    const listener = (_event: unknown, message: LiveMessage): void => {
      if (message.kind === 'event') onEvent(message.event as LiveEvent);
      else onState(message.state);
    };
    ipcRenderer.on(LIVE_CHANNEL, listener);
    void ipcRenderer.invoke(LIVE_STATE_CHANNEL).then((state: LiveFeedState) => onState(state));
    return () => void ipcRenderer.removeListener(LIVE_CHANNEL, listener);
  },
};
contextBridge.exposeInMainWorld('liveEvents', Object.freeze(liveEvents));
