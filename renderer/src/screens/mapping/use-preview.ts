import { useEffect, useRef, useState } from 'react';
import type { DestinationConfig, PreviewResult } from '../../api/types.js';
import { useApi } from '../../lib/api-context.js';
import { errorMessage } from '../../lib/errors.js';

/**
 * The preview under way, shared by every preview panel: the agent runs one build per destination
 * at a time (a second one is refused as busy), so a new preview waits for the previous one.
 */
let previewInFlight: Promise<unknown> | null = null;

/** Runs a preview of the draft (nothing saved or delivered), debounced while the admin edits. */
export function usePreview(config: DestinationConfig, rows: number, keepBadRows = false): { result: PreviewResult | null; error: string | null; busy: boolean; refresh: () => void } {
  const api = useApi();
  const [result, setResult] = useState<PreviewResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [tick, setTick] = useState(0);
  const token = useRef(0);
  const key = JSON.stringify(config);
  useEffect(() => {
    const mine = ++token.current;
    setBusy(true);
    const start = async (): Promise<void> => {
      while (previewInFlight) await previewInFlight.catch(() => undefined);
      // Superseded by a later edit while waiting: that one runs instead.
      if (mine !== token.current) return;
      const request = api.previewMapping({ config, rows, findingsLimit: 2000, keepBadRows });
      previewInFlight = request;
      try {
        const r = await request;
        if (mine !== token.current) return;
        setResult(r);
        setError(null);
        setBusy(false);
      } catch (err) {
        if (mine !== token.current) return;
        setError(errorMessage(err));
        setBusy(false);
      } finally {
        if (previewInFlight === request) previewInFlight = null;
      }
    };
    const timer = setTimeout(() => void start(), 700);
    return () => {
      clearTimeout(timer);
      token.current++;
    };
    // `key` stands for the whole config.
  }, [api, key, rows, keepBadRows, tick]);
  return { result, error, busy, refresh: () => setTick((t) => t + 1) };
}
