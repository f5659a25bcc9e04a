/** Load data from the API with loading and error state, and a reload function. */
import { useCallback, useEffect, useRef, useState } from 'react';
import { errorMessage } from './errors.js';

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: string | undefined;
  readonly loading: boolean;
  reload(): void;
}

export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const current = useRef(0);
  const run = useCallback(load, deps);
  useEffect(() => {
    const token = ++current.current;
    setLoading(true);
    run().then(
      (value) => {
        if (token !== current.current) return;
        setData(value);
        setError(undefined);
        setLoading(false);
      },
      (err: unknown) => {
        if (token !== current.current) return;
        setError(errorMessage(err));
        setLoading(false);
      },
    );
  }, [run, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}
