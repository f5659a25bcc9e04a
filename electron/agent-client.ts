/**
 * How the tray app reaches the agent: a running agent advertises itself in `<home>/api.json`
 * and its key is in `<home>/api.key`; otherwise the tray app starts one (`rostersync agent`) and
 * waits for it to advertise. Calls go over loopback HTTP with the same fetch client the browser
 * uses. No Electron imports: unit-tested under plain Node.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readApiInfo, type ApiInfo } from '../src/home/api-info.js';
import { apiKeyPath, readApiKey } from '../src/home/api-key.js';
import { callApi } from '../src/shared/api-client.js';
import { createFetchEventFeed, type LiveFeed } from '../src/shared/live-feed.js';
import { ApiError, isApiCallName, type ApiCallName, type ApiInput, type ApiOutput } from '../src/shared/api.contract.js';
import { isIpcRequest, type IpcAnswer } from './ipc-contract.js';

export interface AgentEndpoint {
  readonly url: string;
  readonly key: string;
  /** Who runs the agent: a service or earlier process, or a child the tray app started. */
  readonly via: 'running' | 'spawned';
}

export interface AgentLookup {
  readonly readInfo: (home: string) => ApiInfo | undefined;
  readonly readKey: (home: string) => string | undefined;
}

const defaultLookup: AgentLookup = { readInfo: (home) => readApiInfo(home), readKey: (home) => readApiKey(home) };

export type FindResult = { readonly kind: 'found'; readonly endpoint: AgentEndpoint } | { readonly kind: 'none' } | { readonly kind: 'no-key'; readonly message: string };

/** A live agent in `home`, if any. */
export function findRunningAgent(home: string, lookup: AgentLookup = defaultLookup): FindResult {
  const info = lookup.readInfo(home);
  if (!info) return { kind: 'none' };
  let key: string | undefined;
  try {
    key = lookup.readKey(home);
  } catch {
    key = undefined;
  }
  if (!key) {
    return {
      kind: 'no-key',
      message:
        `The RosterSync agent is running (process ${info.pid}), but this user cannot read its key ${apiKeyPath(home)}. ` +
        'Start RosterSync as an administrator, or give this account read access to that file.',
    };
  }
  return { kind: 'found', endpoint: { url: info.url, key, via: 'running' } };
}

export interface SpawnSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

/**
 * `rostersync agent --home HOME` run by Electron's own Node (ELECTRON_RUN_AS_NODE), so the
 * installed app needs no separate Node and the native module built for Electron is used.
 */
export function agentSpawnSpec(input: { readonly execPath: string; readonly appRoot: string; readonly home: string }): SpawnSpec {
  return {
    command: input.execPath,
    args: [join(input.appRoot, 'bin', 'rostersync.js'), 'agent', '--home', input.home],
    env: { ELECTRON_RUN_AS_NODE: '1', ROSTERSYNC_HOME: input.home },
  };
}

export function agentEntryExists(appRoot: string): boolean {
  return existsSync(join(appRoot, 'bin', 'rostersync.js'));
}

/** Waits until the agent advertises itself, the child gives up (`stopped()`), or the time is out. */
export async function waitForAgent(
  home: string,
  options: { readonly timeoutMs: number; readonly intervalMs?: number; readonly stopped?: () => boolean; readonly lookup?: AgentLookup },
): Promise<FindResult> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const found = findRunningAgent(home, options.lookup);
    if (found.kind !== 'none') return found;
    if (options.stopped?.() || Date.now() >= deadline) return found;
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 200));
  }
}

/**
 * The agent API from the main process. After the key was rotated (Settings → Access) the agent
 * refuses the old one: the client signs in again with the key file's new key, which the tray app's
 * account may read (`readKey`), and repeats the call once.
 */
export class AgentClient {
  private key: string;

  constructor(
    readonly endpoint: AgentEndpoint,
    private readonly readKey: () => string | undefined = () => undefined,
  ) {
    this.key = endpoint.key;
  }

  async call<K extends ApiCallName>(name: K, input: ApiInput<K>): Promise<ApiOutput<K>> {
    try {
      return await callApi({ baseUrl: this.endpoint.url, key: this.key }, name, input);
    } catch (err) {
      if (!(err instanceof ApiError) || err.code !== 'unauthorized' || !this.signInAgain()) throw err;
      return callApi({ baseUrl: this.endpoint.url, key: this.key }, name, input);
    }
  }

  /** True when the key file holds another key than the one refused (now used). */
  private signInAgain(): boolean {
    let fresh: string | undefined;
    try {
      fresh = this.readKey();
    } catch {
      fresh = undefined;
    }
    if (!fresh || fresh === this.key) return false;
    this.key = fresh;
    return true;
  }

  /** The agent's run events (GET /api/events with the key as a bearer header), reconnecting by itself. */
  liveFeed(): LiveFeed {
    return createFetchEventFeed({ baseUrl: this.endpoint.url, key: this.endpoint.key });
  }

  /** One IPC request from the preload bridge, answered with an envelope (never throws). */
  async forward(request: unknown): Promise<IpcAnswer> {
    if (!isIpcRequest(request) || !isApiCallName(request.name)) {
      return { ok: false, error: { code: 'bad-request', message: 'Not a RosterSync API call.' } };
    }
    try {
      const value = await this.call(request.name, (request.input ?? {}) as never);
      return { ok: true, value };
    } catch (err) {
      if (err instanceof ApiError) return { ok: false, error: { code: err.code, message: err.message } };
      return { ok: false, error: { code: 'failed', message: err instanceof Error ? err.message : String(err) } };
    }
  }
}
