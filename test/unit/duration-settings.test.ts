/**
 * Every timeout, interval and delay a driver or the notifier takes has a maximum that fits a Node
 * timer (2^31-1 ms; beyond it a timer fires after 1 ms), found by name in the JSON Schema of every
 * registered driver's settings, so a new duration setting without a range fails here.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { listSourceDrivers, getSourceDriver } from '../../src/sources/registry.js';
import { listDestinationDrivers } from '../../src/destinations/registry.js';
import { notificationsSchema, scheduleSchema } from '../../src/shared/config.schema.js';
import { durationSetting, MAX_TIMER_MS } from '../../src/shared/duration.schema.js';
import { SourceError } from '../../src/sources/types.js';

const DURATION = /(Seconds|Ms|Minutes)$/;
const UNIT_MS: Record<string, number> = { Seconds: 1000, Ms: 1, Minutes: 60_000 };

function durations(label: string, schema: z.ZodType): { where: string; name: string; maximum: number | undefined }[] {
  const json = z.toJSONSchema(schema, { io: 'input' }) as { properties?: Record<string, { type?: string; maximum?: number }> };
  return Object.entries(json.properties ?? {})
    .filter(([name, p]) => DURATION.test(name) && (p.type === 'number' || p.type === 'integer'))
    .map(([name, p]) => ({ where: `${label}.${name}`, name, maximum: p.maximum }));
}

const schemas: [string, z.ZodType][] = [
  ...listSourceDrivers().map((d): [string, z.ZodType] => [`source ${d.id}`, d.settingsSchema]),
  ...listDestinationDrivers().map((d): [string, z.ZodType] => [`destination ${d.id}`, d.settingsSchema]),
  ['notifications', notificationsSchema],
  ['schedule', scheduleSchema],
];

describe('duration settings', () => {
  const all = schemas.flatMap(([label, schema]) => durations(label, schema));

  it('finds the duration settings of every driver', () => {
    const names = all.map((d) => d.where);
    for (const expected of ['source mysql.queryTimeoutSeconds', 'source postgres.connectTimeoutSeconds', 'source sqlite.busyTimeoutSeconds', 'destination sftp.idleTimeoutMs', 'destination sftp.keepaliveIntervalMs', 'notifications.rateLimitMinutes', 'source folder.quietPeriodSeconds']) {
      expect(names).toContain(expected);
    }
  });

  it('gives each one a maximum that fits a Node timer', () => {
    const unbounded = all.filter((d) => d.maximum === undefined || d.maximum * UNIT_MS[DURATION.exec(d.name)![1]!]! > MAX_TIMER_MS);
    expect(unbounded.map((d) => `${d.where} (max ${d.maximum ?? 'none'})`)).toEqual([]);
  });

  it('refuses MySQL queryTimeoutSeconds 10000000 with the range in words, instead of a 1 ms timer', () => {
    const driver = getSourceDriver('mysql');
    const parsed = driver.settingsSchema.safeParse({ host: 'db', user: 'u', database: 'sis', queryTimeoutSeconds: 10_000_000 });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual(['queryTimeoutSeconds: between 1 and 86400 seconds (1 day)']);
  });

  it('turns the refusal into a config error naming the setting when a source is tested', async () => {
    const error = await getSourceDriver('postgres').check({ host: '127.0.0.1', user: 'u', database: 'sis', queryTimeoutSeconds: 0 }, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceError);
    expect((error as SourceError).code).toBe('config');
    expect((error as SourceError).message).toContain('queryTimeoutSeconds: between 1 and 86400 seconds (1 day)');
  });

  it('refuses to build a duration that overflows a timer', () => {
    expect(() => durationSetting('seconds', { min: 1, max: 3_000_000 }, 10)).toThrow(/does not fit a Node timer/);
    expect(durationSetting('ms', { min: 100, max: 600_000 }, 20_000).safeParse(600_001).error?.issues[0]?.message).toBe('between 100 and 600000 milliseconds (10 minutes)');
  });
});
