/**
 * A new schedule's times are read in the machine's time zone (Intl's resolved zone), wherever the
 * schedule is made: the config schema's default fills it for the GUI's new destination, a config
 * file without `timezone`, and the CLI. UTC only when the machine names none. (The zone is
 * stubbed: a test worker cannot change the process's ICU zone.)
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { destinationConfigSchema, machineTimeZone, scheduleSchema } from '../../src/shared/config.schema.js';

function machineZoneIs(timeZone: string): void {
  const real = Intl.DateTimeFormat.prototype.resolvedOptions;
  vi.spyOn(Intl.DateTimeFormat.prototype, 'resolvedOptions').mockImplementation(function (this: Intl.DateTimeFormat) {
    return { ...real.call(this), timeZone };
  });
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('time zone of a new schedule', () => {
  it('is the machine’s zone, read when the schedule is made', () => {
    machineZoneIs('America/Chicago');
    expect(machineTimeZone()).toBe('America/Chicago');
    expect(scheduleSchema.parse({}).timezone).toBe('America/Chicago');
    const destination = destinationConfigSchema.parse({ name: 'vendor', source: 'sis', format: 'oneroster-1.1', type: 'folder', settings: { path: '/tmp/out' } });
    expect(destination.schedule.timezone).toBe('America/Chicago');
    vi.restoreAllMocks();
    machineZoneIs('Europe/Berlin');
    expect(scheduleSchema.parse({}).timezone).toBe('Europe/Berlin');
  });

  it('keeps a zone that was given', () => {
    machineZoneIs('America/Chicago');
    expect(scheduleSchema.parse({ timezone: 'Asia/Tokyo' }).timezone).toBe('Asia/Tokyo');
  });

  it('is UTC when the machine names no zone', () => {
    machineZoneIs('');
    expect(machineTimeZone()).toBe('UTC');
    expect(scheduleSchema.parse({}).timezone).toBe('UTC');
  });
});
