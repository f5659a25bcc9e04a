/**
 * The scheduler's clocks. ManualClock: timers fire in time order, each awaited, during advance().
 * SystemClock (driven here by vitest's fake timers, no real waiting): a long wait is cut into
 * one-minute steps against the wall clock, so a machine that slept past the time fires on wake-up.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock, SystemClock } from '../../src/scheduler/clock.js';

describe('ManualClock', () => {
  it('fires due timers in time order at their own time, awaiting each, and new timers set meanwhile', async () => {
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    const seen: string[] = [];
    clock.setTimer(new Date('2026-01-01T03:00:00Z'), () => void seen.push(`c@${clock.now().toISOString()}`));
    clock.setTimer(new Date('2026-01-01T01:00:00Z'), async () => {
      seen.push(`a@${clock.now().toISOString()}`);
      await Promise.resolve();
      clock.setTimer(new Date('2026-01-01T02:00:00Z'), () => void seen.push(`b@${clock.now().toISOString()}`));
    });
    const cancelled = clock.setTimer(new Date('2026-01-01T01:30:00Z'), () => void seen.push('never'));
    cancelled.cancel();
    expect(clock.pending()).toEqual([new Date('2026-01-01T01:00:00Z'), new Date('2026-01-01T03:00:00Z')]);
    await clock.advanceTo('2026-01-01T02:30:00Z');
    expect(seen).toEqual(['a@2026-01-01T01:00:00.000Z', 'b@2026-01-01T02:00:00.000Z']);
    expect(clock.now()).toEqual(new Date('2026-01-01T02:30:00Z'));
    await clock.advance(3_600_000);
    expect(seen.at(-1)).toBe('c@2026-01-01T03:00:00.000Z');
    await expect(clock.advanceTo('2025-12-31T00:00:00Z')).rejects.toThrow(/cannot go back in time/);
  });

  it('jump() moves time without firing; the overdue timer fires late on the next advance', async () => {
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    let firedAt: string | undefined;
    clock.setTimer(new Date('2026-01-01T01:00:00Z'), () => void (firedAt = clock.now().toISOString()));
    clock.jump(5 * 3_600_000);
    expect(firedAt).toBeUndefined();
    await clock.advance(0);
    expect(firedAt).toBe('2026-01-01T05:00:00.000Z');
  });
});

describe('SystemClock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires at the wall-clock time, in steps of at most a minute', () => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    const clock = new SystemClock(60_000);
    const fn = vi.fn();
    clock.setTimer(new Date('2026-01-01T00:10:00Z'), fn);
    vi.advanceTimersByTime(9 * 60_000 + 59_000);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1_000);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('after the machine slept past the time (the wall clock jumped, timers did not run), fires within a minute of waking', () => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    const clock = new SystemClock(60_000);
    const fn = vi.fn();
    clock.setTimer(new Date('2026-01-01T02:00:00Z'), fn);
    // suspended for 8 hours: wall time moves, monotonic timers do not
    vi.setSystemTime(new Date('2026-01-01T08:00:00Z'));
    vi.advanceTimersByTime(60_000);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('fires at once for a time already past (right after setTimer returns, never inside it), and not at all once cancelled', () => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    const clock = new SystemClock();
    const past = vi.fn();
    clock.setTimer(new Date('2025-12-31T23:00:00Z'), past);
    // the caller's `const timer = clock.setTimer(…, () => timers.delete(timer))` must not see its callback first
    expect(past).not.toHaveBeenCalled();
    vi.advanceTimersByTime(0);
    expect(past).toHaveBeenCalledTimes(1);
    const later = vi.fn();
    clock.setTimer(new Date('2026-01-01T00:05:00Z'), later).cancel();
    vi.advanceTimersByTime(10 * 60_000);
    expect(later).not.toHaveBeenCalled();
  });
});
