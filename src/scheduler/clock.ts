/**
 * Time for the scheduler, injectable: the system clock for the agent, a manual clock for tests
 * (no sleeping: `advance()` moves time and fires due timers in order, awaiting each).
 */

export interface Timer {
  cancel(): void;
}

export interface Clock {
  now(): Date;
  /** Calls `fn` once, at or after `at` (immediately if `at` has passed). */
  setTimer(at: Date, fn: () => void | Promise<void>): Timer;
}

/**
 * Wall-clock timers that survive sleep and clock changes: Node's timers run on a monotonic
 * clock that stops while the machine is suspended, so a long wait is cut into steps of at most
 * `maxStepMs` and the wall clock is checked after each step.
 */
export class SystemClock implements Clock {
  constructor(private readonly maxStepMs = 60_000) {}

  now(): Date {
    return new Date();
  }

  setTimer(at: Date, fn: () => void | Promise<void>): Timer {
    let handle: NodeJS.Timeout | undefined;
    let cancelled = false;
    const step = (): void => {
      if (cancelled) return;
      const wait = at.getTime() - Date.now();
      if (wait <= 0) {
        handle = undefined;
        void fn();
        return;
      }
      handle = setTimeout(step, Math.min(wait, this.maxStepMs));
    };
    // never inside setTimer itself, even when already due: the caller has not got the Timer yet
    handle = setTimeout(step, 0);
    return {
      cancel() {
        cancelled = true;
        if (handle) clearTimeout(handle);
      },
    };
  }
}

interface ManualTimer {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void | Promise<void>;
  cancelled: boolean;
}

/** A clock that only moves when told to. Timers fire in time order during `advance`/`advanceTo`. */
export class ManualClock implements Clock {
  private current: number;
  private timers: ManualTimer[] = [];
  private seq = 0;

  constructor(start: Date | string) {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  setTimer(at: Date, fn: () => void | Promise<void>): Timer {
    const timer: ManualTimer = { at: at.getTime(), seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
        this.timers = this.timers.filter((t) => t !== timer);
      },
    };
  }

  /** When the pending timers are due, earliest first. */
  pending(): Date[] {
    return this.timers
      .filter((t) => !t.cancelled)
      .sort((a, b) => a.at - b.at || a.seq - b.seq)
      .map((t) => new Date(t.at));
  }

  /** Moves time to `target`, firing each timer due on the way at its own time and awaiting it. */
  async advanceTo(target: Date | string): Promise<void> {
    const end = new Date(target).getTime();
    if (end < this.current) throw new Error(`ManualClock cannot go back in time (now ${this.now().toISOString()}, asked ${new Date(end).toISOString()}).`);
    for (;;) {
      const due = this.timers.filter((t) => !t.cancelled && t.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.current = Math.max(this.current, due.at);
      await due.fn();
    }
    this.current = end;
  }

  advance(ms: number): Promise<void> {
    return this.advanceTo(new Date(this.current + ms));
  }

  /** Moves the wall clock without firing anything (the machine was asleep or off). */
  jump(ms: number): void {
    this.current += ms;
  }
}
