/**
 * The browser implementation of `Api`: every call is `POST /api/<call>` with a JSON body and the
 * agent's key as `Authorization: Bearer`. The key arrives once in the login URL's fragment
 * (`http://127.0.0.1:PORT/#key=…`, never sent to a server), is kept in sessionStorage and removed
 * from the address bar.
 *
 * Written against `fetch` only (no DOM types) so the integration tests run it under Node too.
 */
import {
  API_CALL_NAMES,
  API_KEY_STORAGE,
  ApiError,
  apiPath,
  isApiErrorBody,
  type Api,
  type ApiCallName,
  type ApiInput,
  type ApiOutput,
} from './api.contract.js';

export interface FetchApiOptions {
  /** Origin of the agent, e.g. `http://127.0.0.1:8765`; '' = same origin (the page was served by the agent). */
  readonly baseUrl?: string;
  /** The API key, or a function returning it (read at each call, so a later login takes effect). */
  readonly key: string | (() => string | null);
  /** Defaults to the global fetch. */
  readonly fetch?: typeof fetch;
}

/** Sends one call; throws `ApiError` with the agent's code and message on an error answer. */
export async function callApi<K extends ApiCallName>(options: FetchApiOptions, name: K, input: ApiInput<K>): Promise<ApiOutput<K>> {
  const key = typeof options.key === 'function' ? options.key() : options.key;
  if (!key) throw new ApiError('unauthorized', 'Not signed in: open the login link that `rostersync ui` printed.');
  const doFetch = options.fetch ?? fetch;
  let response: Response;
  try {
    response = await doFetch(`${options.baseUrl ?? ''}${apiPath(name)}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${key}` },
      body: JSON.stringify(input ?? {}),
      credentials: 'omit',
    });
  } catch (err) {
    throw new ApiError('network', `The RosterSync agent did not answer (${err instanceof Error ? err.message : String(err)}). Is it running?`);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    throw new ApiError('failed', `The agent answered ${name} with status ${response.status} and a body that is not JSON.`);
  }
  if (!response.ok) {
    if (isApiErrorBody(body)) throw new ApiError(body.error.code, body.error.message, body.error.details);
    throw new ApiError('failed', `The agent answered ${name} with status ${response.status}.`);
  }
  return body as ApiOutput<K>;
}

/** An `Api` object whose every method is a `callApi`. */
export function createFetchApi(options: FetchApiOptions): Api {
  const api: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const name of API_CALL_NAMES) {
    api[name] = (input: unknown) => callApi(options, name, input as ApiInput<typeof name>);
  }
  return Object.freeze(api) as unknown as Api;
}

/** The bits of `window.sessionStorage` the key handling uses. */
export interface KeyStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/**
 * Takes `#key=…` from the fragment into storage and returns the fragment without it (the caller
 * replaces the address with `history.replaceState`). Returns the stored key either way.
 */
export function takeKeyFromFragment(hash: string, storage: KeyStorage): { key: string | null; hash: string } {
  const raw = hash.replace(/^#/, '');
  const params = new URLSearchParams(raw);
  const fromUrl = params.get('key');
  if (fromUrl) {
    storage.setItem(API_KEY_STORAGE, fromUrl);
    params.delete('key');
    const rest = params.toString();
    return { key: fromUrl, hash: rest ? `#${rest}` : '' };
  }
  return { key: storage.getItem(API_KEY_STORAGE), hash };
}

/** Minimal shape of `window` the browser bootstrap needs (no DOM lib required). */
export interface BrowserWindowLike {
  readonly location: { readonly hash: string; readonly pathname: string; readonly search: string };
  readonly sessionStorage: KeyStorage;
  readonly history: { replaceState(data: unknown, unused: string, url?: string): void };
}

/** In a browser served by the agent: read the key from the fragment/storage and build the client. */
export function createBrowserApi(win: BrowserWindowLike, fetchImpl?: typeof fetch): Api {
  const { key, hash } = takeKeyFromFragment(win.location.hash, win.sessionStorage);
  if (key && hash !== win.location.hash) win.history.replaceState(null, '', `${win.location.pathname}${win.location.search}${hash}`);
  return createFetchApi({ baseUrl: '', key: () => win.sessionStorage.getItem(API_KEY_STORAGE), fetch: fetchImpl });
}
