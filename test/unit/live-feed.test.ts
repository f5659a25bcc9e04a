/**
 * The pieces of the live GUI that need no browser: the Server-Sent Events parser the tray app's
 * main process reads /api/events with, the EventSource feed's states and reconnection (one
 * connection for all subscribers; a refused stream is opened again), and the one-line summary of a
 * held run for the dashboard's recent runs.
 */
import { describe, expect, it, vi } from 'vitest';
import { createEventSourceFeed, EventStreamParser, type EventSourceLike, type LiveFeedState } from '../../src/shared/live-feed.js';
import { heldHeadline } from '../../src/shared/hold-review.js';
import type { LiveEvent } from '../../src/shared/api.contract.js';
import type { FileDiff } from '../../src/shared/run.js';

const started: LiveEvent = { type: 'run-started', runId: 7, destination: 'vendor', trigger: 'manual', dryRun: false, at: '2026-12-02T09:00:00.000Z' };

describe('EventStreamParser', () => {
  it('splits a stream cut anywhere into the data of whole events, ignoring comments', () => {
    const text = `: RosterSync run events\n\nevent: run-started\ndata: ${JSON.stringify(started)}\n\n: keep-alive\n\nevent: log\r\ndata: {"a":1}\r\n\r\n`;
    for (const cut of [1, 10, 40, text.length - 3]) {
      const parser = new EventStreamParser();
      const out = [...parser.push(text.slice(0, cut)), ...parser.push(text.slice(cut))];
      expect(out).toEqual([JSON.stringify(started), '{"a":1}']);
    }
  });
});

/** A scripted EventSource: the test opens, fails and feeds it. */
class FakeEventSource implements EventSourceLike {
  static made: FakeEventSource[] = [];
  readyState = 0;
  closed = false;
  private readonly listeners = new Map<string, ((event: { readonly data: string }) => void)[]>();
  constructor(readonly url: string) {
    FakeEventSource.made.push(this);
  }
  addEventListener(type: string, listener: (event: { readonly data: string }) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  close(): void {
    this.closed = true;
    this.readyState = 2;
  }
  fire(type: string, data = ''): void {
    for (const l of this.listeners.get(type) ?? []) l({ data });
  }
}

describe('createEventSourceFeed', () => {
  it('opens one EventSource with ?key= for all subscribers, reports its state and reopens a refused stream', () => {
    vi.useFakeTimers();
    try {
      FakeEventSource.made = [];
      const feed = createEventSourceFeed({ baseUrl: 'http://127.0.0.1:9', key: () => 'k e y', EventSource: FakeEventSource, retryMs: 1000 });
      const a: LiveEvent[] = [];
      const states: LiveFeedState[] = [];
      const stopA = feed.subscribe((e) => a.push(e), (s) => states.push(s));
      const stopB = feed.subscribe(() => undefined, () => undefined);
      expect(FakeEventSource.made.map((s) => s.url)).toEqual(['http://127.0.0.1:9/api/events?key=k%20e%20y']);
      const first = FakeEventSource.made[0]!;
      first.fire('open');
      first.fire('run-started', JSON.stringify(started));
      first.fire('progress', 'not json');
      expect(a).toEqual([started]);
      // The agent went away and the browser gave up: reconnecting, then a new EventSource after the retry delay.
      first.readyState = 2;
      first.fire('error');
      expect(states).toEqual(['connecting', 'live', 'reconnecting']);
      vi.advanceTimersByTime(1000);
      expect(FakeEventSource.made).toHaveLength(2);
      FakeEventSource.made[1]!.fire('open');
      expect(states.at(-1)).toBe('live');
      stopA();
      expect(FakeEventSource.made[1]!.closed).toBe(false);
      stopB();
      expect(FakeEventSource.made[1]!.closed).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('heldHeadline', () => {
  const diff = (file: string, previous: number, removed: number): FileDiff => ({
    file, previous, current: previous - removed, added: 0, removed, changed: 0, unchanged: previous - removed, sampleAdded: [], sampleRemoved: [], sampleChanged: [],
  });
  it('names the file that would lose the largest share, in one short line', () => {
    expect(heldHeadline([diff('enrollments.csv', 9000, 900), diff('users.csv', 2000, 667)])).toBe('Held: 33 % of users would be removed');
    expect(heldHeadline([diff('users.csv', 20000, 100)])).toBe('Held: 0.5 % of users would be removed');
    expect(heldHeadline([diff('users.csv', 0, 0)])).toBe('Held for approval');
  });
});
