/**
 * Duration settings (timeouts, intervals, delays) with ranges a driver can actually use. Node's
 * timers hold at most 2^31-1 ms (about 24.8 days): a longer delay overflows and fires after 1 ms,
 * so `queryTimeoutSeconds: 10000000` once meant "cancel every query at once". Every duration
 * setting is built here, with a maximum well inside that and an error that says the range in words.
 */
import { z } from 'zod';

/** The longest delay a Node timer holds. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

const UNIT_MS = { ms: 1, seconds: 1000, minutes: 60_000 } as const;
export type DurationUnit = keyof typeof UNIT_MS;

function inWords(value: number, unit: DurationUnit): string {
  const ms = value * UNIT_MS[unit];
  if (ms >= 86_400_000 && ms % 86_400_000 === 0) return `${ms / 86_400_000} day${ms === 86_400_000 ? '' : 's'}`;
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000} hour${ms === 3_600_000 ? '' : 's'}`;
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} minute${ms === 60_000 ? '' : 's'}`;
  if (ms >= 1000 && ms % 1000 === 0) return `${ms / 1000} second${ms === 1000 ? '' : 's'}`;
  return `${ms} ms`;
}

/**
 * A whole number of `unit` between `min` and `max` (both in `unit`), defaulting to `fallback`.
 * `max` must stay within a Node timer (checked when the schema is built).
 */
export function durationSetting(unit: DurationUnit, range: { readonly min: number; readonly max: number }, fallback: number) {
  if (range.max * UNIT_MS[unit] > MAX_TIMER_MS) throw new Error(`A duration of ${range.max} ${unit} does not fit a Node timer (at most ${MAX_TIMER_MS} ms).`);
  const label = unit === 'ms' ? 'milliseconds' : unit;
  const span = `between ${range.min} and ${range.max} ${label} (${inWords(range.max, unit)})`;
  return z
    .number({ error: `a number of ${label}` })
    .int(`a whole number of ${label}`)
    .min(range.min, span)
    .max(range.max, span)
    .default(fallback);
}
