/**
 * The agent's run events in the GUI: one subscription to the LiveFeed for the whole app. Screens
 * read the latest progress of a run (rows, rate, ETA, stage, file, bytes uploaded) and reload their
 * data when a run starts or ends — no polling while the stream is up. When it drops, the feed shows
 * "reconnecting" and screens fall back to a slow refresh until it is back (then reload once, for
 * what they missed).
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { LiveEvent, LiveFeed, LiveFeedState } from '../api/types.js';

export type RunProgress = Extract<LiveEvent, { type: 'progress' }>;

/** While the stream is down, screens refresh this often. */
const FALLBACK_REFRESH_MS = 15_000;
/** Run events close together (a run ending and the next starting) cause one reload. */
const RELOAD_DEBOUNCE_MS = 250;

interface LiveValue {
  readonly state: LiveFeedState;
  /** The latest progress of each run still going, by run id. */
  readonly progress: ReadonlyMap<number, RunProgress>;
  listen(listener: (event: LiveEvent) => void): () => void;
}

const LiveContext = createContext<LiveValue | null>(null);

export function LiveProvider(props: { readonly feed: LiveFeed; readonly children: ReactNode }): ReactNode {
  const [state, setState] = useState<LiveFeedState>('connecting');
  const [progress, setProgress] = useState<ReadonlyMap<number, RunProgress>>(new Map());
  const listeners = useRef(new Set<(event: LiveEvent) => void>());
  useEffect(
    () =>
      props.feed.subscribe(
        (event) => {
          if (event.type === 'progress') setProgress((p) => new Map(p).set(event.runId, event));
          if (event.type === 'run-finished') {
            setProgress((p) => {
              if (!p.has(event.runId)) return p;
              const next = new Map(p);
              next.delete(event.runId);
              return next;
            });
          }
          for (const listener of listeners.current) listener(event);
        },
        (next) => {
          setState(next);
          if (next !== 'live') setProgress(new Map()); // stale numbers are not shown as live
        },
      ),
    [props.feed],
  );
  const listen = useCallback((listener: (event: LiveEvent) => void) => {
    listeners.current.add(listener);
    return () => void listeners.current.delete(listener);
  }, []);
  const value = useMemo<LiveValue>(() => ({ state, progress, listen }), [state, progress, listen]);
  return <LiveContext.Provider value={value}>{props.children}</LiveContext.Provider>;
}

function useLive(): LiveValue {
  const live = useContext(LiveContext);
  if (!live) throw new Error('useLive outside <LiveProvider>: the app root must provide the live feed.');
  return live;
}

export function useLiveState(): LiveFeedState {
  return useLive().state;
}

/** The latest progress of a running run (undefined before its first progress event, or when it is not running here). */
export function useRunProgress(runId: number | undefined): RunProgress | undefined {
  const { progress } = useLive();
  return runId === undefined ? undefined : progress.get(runId);
}

/**
 * Calls `reload` when an event for which `matches` is true arrives (debounced), every
 * FALLBACK_REFRESH_MS while the stream is down, and once when it is back.
 */
export function useReloadOn(reload: () => void, matches: (event: LiveEvent) => boolean): void {
  const live = useLive();
  const latest = useRef({ reload, matches });
  latest.current = { reload, matches };
  const { listen, state } = live;
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stop = listen((event) => {
      if (!latest.current.matches(event)) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => latest.current.reload(), RELOAD_DEBOUNCE_MS);
    });
    return () => {
      stop();
      if (timer) clearTimeout(timer);
    };
  }, [listen]);
  const wasDown = useRef(false);
  useEffect(() => {
    if (state === 'live') {
      if (wasDown.current) latest.current.reload();
      wasDown.current = false;
      return;
    }
    if (state === 'connecting') return;
    wasDown.current = true;
    const timer = setInterval(() => latest.current.reload(), FALLBACK_REFRESH_MS);
    return () => clearInterval(timer);
  }, [state]);
}

/** Run events that change a list of runs: one starting or ending. */
export const runStartedOrFinished = (event: LiveEvent): boolean => event.type === 'run-started' || event.type === 'run-finished';
