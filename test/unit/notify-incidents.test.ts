/** The incident state machine (pure) and the masking of personal values in alert text. */
import { describe, expect, it } from 'vitest';
import { describeDuration, nextIncident, type Incident } from '../../src/notify/incidents.js';
import { maskValues } from '../../src/log/mask.js';

const t0 = new Date('2026-03-01T02:00:00Z');
const at = (minutes: number): Date => new Date(t0.getTime() + minutes * 60_000);
const failed = (minutes: number, runId: number) => ({ type: 'run' as const, status: 'failed' as const, runId, message: `run ${runId} failed`, at: at(minutes) });

describe('nextIncident', () => {
  it('opens on the first failure, reminds only when reminderMinutes have passed since the last alert, and closes on a delivery', () => {
    const opened = nextIncident(undefined, failed(0, 1), 60);
    expect(opened.alert).toBe('opened');
    expect(opened.incident).toEqual({ cause: 'failing', openedAt: at(0).toISOString(), firstRunId: 1, lastRunId: 1, failures: 1, lastAlertAt: at(0).toISOString(), lastMessage: 'run 1 failed' });
    const quiet = nextIncident(opened.incident, failed(59, 2), 60);
    expect(quiet.alert).toBeUndefined();
    expect(quiet.incident).toMatchObject({ failures: 2, lastRunId: 2, lastAlertAt: at(0).toISOString() });
    const reminder = nextIncident(quiet.incident, failed(60, 3), 60);
    expect(reminder.alert).toBe('reminder');
    expect(reminder.incident).toMatchObject({ failures: 3, lastAlertAt: at(60).toISOString() });
    expect(nextIncident(reminder.incident, failed(119, 4), 60).alert).toBeUndefined();
    const recovered = nextIncident(reminder.incident, { type: 'run', status: 'partial', runId: 5, message: 'delivered', at: at(130) }, 60);
    expect(recovered).toEqual({ incident: undefined, alert: 'recovered', closed: { ...reminder.incident, lastRunId: 5 } });
  });

  it('reminderMinutes 0 never reminds; held, skipped and discarded runs leave the incident as it is', () => {
    const open = nextIncident(undefined, failed(0, 1), 0).incident!;
    expect(nextIncident(open, failed(10_000, 2), 0).alert).toBeUndefined();
    for (const status of ['held', 'skipped', 'discarded', 'running'] as const) {
      expect(nextIncident(open, { type: 'run', status, runId: 9, message: '', at: at(5) }, 60)).toEqual({ incident: open });
    }
  });

  it('a success with no incident open sends nothing; staleness opens an incident and reminds like failures', () => {
    expect(nextIncident(undefined, { type: 'run', status: 'success', runId: 1, message: '', at: t0 }, 60)).toEqual({ incident: undefined });
    const stale = nextIncident(undefined, { type: 'stale', message: 'no delivery for 30 hours', at: t0 }, 720);
    expect(stale.alert).toBe('opened');
    expect(stale.incident).toMatchObject({ cause: 'stale', failures: 0 });
    expect(nextIncident(stale.incident, { type: 'stale', message: 'no delivery for 31 hours', at: at(60) }, 720)).toMatchObject({ alert: undefined, incident: { lastMessage: 'no delivery for 31 hours' } });
    expect(nextIncident(stale.incident, { type: 'stale', message: 'x', at: at(720) }, 720).alert).toBe('reminder');
    // a failure while stale turns it into a failing incident without a second "opened"
    const failing = nextIncident(stale.incident as Incident, failed(30, 7), 720);
    expect(failing).toMatchObject({ alert: undefined, incident: { cause: 'failing', failures: 1, openedAt: t0.toISOString() } });
  });

  it('describes durations for people', () => {
    expect(describeDuration(t0.toISOString(), at(7))).toBe('7 min');
    expect(describeDuration(t0.toISOString(), at(125))).toBe('2 h 5 min');
    expect(describeDuration(t0.toISOString(), at(60 * 50))).toBe('2 days 2 h');
  });
});

describe('maskValues', () => {
  it('hides the values the findings name, quoted values with digits or @, e-mail addresses and runs of 7+ digits', () => {
    expect(maskValues('"357-7463" is not a complete phone number for region US; kept the digits 3577463', ['357-7463'])).toBe(
      '"[value hidden]" is not a complete phone number for region US; kept the digits [value hidden]',
    );
    expect(maskValues('Call (555) 010-4477 or write to ana.rodriguez@mail.test')).toBe('Call [value hidden] or write to [value hidden]');
    expect(maskValues('birthDate "2011-04-05" is in the future')).toBe('birthDate "[value hidden]" is in the future');
    expect(maskValues('Rodríguez is not a known race value', ['Rodríguez'])).toBe('[value hidden] is not a known race value');
  });

  it('keeps what an admin needs: row numbers, counts, file names and the agent’s own timestamps', () => {
    const text = 'users.csv row 1042: 3 error(s); last delivery 2026-01-01T02:00:00.000Z (run 88).';
    expect(maskValues(text)).toBe(text);
  });
});
