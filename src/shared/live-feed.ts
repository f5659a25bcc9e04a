/**
 * The client side of `GET /api/events` (Server-Sent Events of LiveEvent): one `LiveFeed` interface,
 * two implementations of it.
 *  - `createEventSourceFeed`: the browser's EventSource, the key as `?key=` (EventSource cannot send
 *    headers). The GUI served by the agent uses it.
 *  - `createFetchEventFeed`: fetch with the key as a bearer header, the stream parsed here. The tray
 *    app's main process uses it and forwards the events to its window over IPC (electron/preload.ts
 *    exposes the same LiveFeed as `window.liveEvents`); Node tests use it too.
 * Both keep one connection for all subscribers, report their state (`live`, `reconnecting` while
 * the agent is away) and come back by themselves. Written without DOM types (runs under Node).
 */
import { EVENTS_PATH, type LiveEvent, type LiveEventType } from './api.contract.js';

/** `connecting`: the first connection is being made; `live`: events flow; `reconnecting`: the stream dropped and is being retried. */
export type LiveFeedState = 'connecting' | 'live' | 'reconnecting';

export interface LiveFeed {
  /** Calls `onEvent` for every event and `onState` with the current state now and at every change; returns the unsubscribe function. */
  subscribe(onEvent: (event: LiveEvent) => void, onState: (state: LiveFeedState) => void): () => void;
}

const LIVE_EVENT_TYPES: readonly LiveEventType[] = ['run-started', 'progress', 'log', 'run-finished'];

/** How long a feed waits before connecting again after the stream ended or was refused. */
export const LIVE_RETRY_MS = 3000;

/** The one connection behind a feed: opened with the first subscriber, closed after the last. */
function sharedFeed(open: (emit: (event: LiveEvent) => void, setState: (state: LiveFeedState) => void) => () => void): LiveFeed {
  const subscribers = new Set<{ onEvent: (event: LiveEvent) => void; onState: (state: LiveFeedState) => void }>();
  let state: LiveFeedState = 'connecting';
  let close: (() => void) | undefined;
  const emit = (event: LiveEvent): void => {
    for (const s of subscribers) s.onEvent(event);
  };
  const setState = (next: LiveFeedState): void => {
    if (next === state) return;
    state = next;
    for (const s of subscribers) s.onState(next);
  };
  return {
    subscribe(onEvent, onState) {
      const subscriber = { onEvent, onState };
      subscribers.add(subscriber);
      if (!close) {
        state = 'connecting';
        close = open(emit, setState);
      }
      onState(state);
      return () => {
        subscribers.delete(subscriber);
        if (subscribers.size === 0 && close) {
          close();
          close = undefined;
        }
      };
    },
  };
}

function parseEvent(data: string): LiveEvent | undefined {
  try {
    const event = JSON.parse(data) as LiveEvent;
    return typeof event === 'object' && event !== null && LIVE_EVENT_TYPES.includes(event.type) ? event : undefined;
  } catch {
    return undefined;
  }
}

// ---- EventSource (browser) ----------------------------------------------------------------------

/** The part of the browser's EventSource the feed uses. */
export interface EventSourceLike {
  readonly readyState: number;
  /** `open`, `error`, and each event type (whose event carries `data`). */
  addEventListener(type: string, listener: (event: { readonly data: string }) => void): void;
  close(): void;
}

/** EventSource.CLOSED: the browser gave up (the key was refused, or the answer was not a stream). */
const EVENT_SOURCE_CLOSED = 2;

export interface EventSourceFeedOptions {
  /** Origin of the agent; '' = same origin (the page was served by the agent). */
  readonly baseUrl?: string;
  /** The API key, read at each (re)connection. */
  readonly key: () => string | null;
  readonly EventSource: new (url: string) => EventSourceLike;
  readonly retryMs?: number;
}

export function createEventSourceFeed(options: EventSourceFeedOptions): LiveFeed {
  return sharedFeed((emit, setState) => {
    let source: EventSourceLike | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let closed = false;
    const connect = (): void => {
      retry = undefined;
      const key = options.key();
      if (!key) {
        setState('reconnecting');
        retry = setTimeout(connect, options.retryMs ?? LIVE_RETRY_MS);
        return;
      }
      const es = new options.EventSource(`${options.baseUrl ?? ''}${EVENTS_PATH}?key=${encodeURIComponent(key)}`);
      source = es;
      es.addEventListener('open', () => setState('live'));
      es.addEventListener('error', () => {
        if (closed) return;
        setState('reconnecting');
        // EventSource retries a dropped stream itself; a refused one (CLOSED) is retried here.
        if (es.readyState === EVENT_SOURCE_CLOSED) {
          es.close();
          retry ??= setTimeout(connect, options.retryMs ?? LIVE_RETRY_MS);
        }
      });
      for (const type of LIVE_EVENT_TYPES) {
        es.addEventListener(type, (message) => {
          const event = parseEvent(message.data);
          if (event) emit(event);
        });
      }
    };
    connect();
    return () => {
      closed = true;
      if (retry) clearTimeout(retry);
      source?.close();
    };
  });
}

// ---- fetch (Node, the tray app's main process) ------------------------------------------------------

export interface FetchEventFeedOptions {
  /** Origin of the agent, e.g. `http://127.0.0.1:8765`. */
  readonly baseUrl: string;
  readonly key: string;
  readonly fetch?: typeof fetch;
  readonly retryMs?: number;
}

/** Splits a Server-Sent Events text stream into the `data` of each event. */
export class EventStreamParser {
  private buffer = '';

  /** Feeds a chunk; returns the data of every event it completed. */
  push(chunk: string): string[] {
    this.buffer += chunk.replace(/\r\n?/g, '\n');
    const out: string[] = [];
    let end;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const data = block
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).replace(/^ /, ''));
      if (data.length) out.push(data.join('\n'));
    }
    return out;
  }
}

export function createFetchEventFeed(options: FetchEventFeedOptions): LiveFeed {
  return sharedFeed((emit, setState) => {
    const abort = new AbortController();
    const read = async (): Promise<void> => {
      const response = await (options.fetch ?? fetch)(`${options.baseUrl}${EVENTS_PATH}`, {
        headers: { Authorization: `Bearer ${options.key}`, Accept: 'text/event-stream' },
        signal: abort.signal,
      });
      if (!response.ok || !response.body) throw new Error(`The agent answered ${EVENTS_PATH} with status ${response.status}.`);
      setState('live');
      const parser = new EventStreamParser();
      const decoder = new TextDecoder();
      const reader = response.body.getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        for (const data of parser.push(decoder.decode(value, { stream: true }))) {
          const event = parseEvent(data);
          if (event) emit(event);
        }
      }
    };
    void (async () => {
      while (!abort.signal.aborted) {
        try {
          await read();
        } catch {
          // refused, dropped or the agent is away: retried below
        }
        if (abort.signal.aborted) return;
        setState('reconnecting');
        await new Promise((resolve) => setTimeout(resolve, options.retryMs ?? LIVE_RETRY_MS));
      }
    })();
    return () => abort.abort();
  });
}
