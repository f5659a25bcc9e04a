/**
 * The agent's configuration: sources, destinations (with format, mapping, schedule, guard),
 * site maps and notifications. Validated with zod at every entry point (CLI import, local API).
 * The exported config file carries `version`; migrations in src/store/config-migrations.ts.
 */
import { z } from 'zod';
import { durationSetting } from './duration.schema.js';
import { entityBuilderSpecSchema } from './entity-builder.js';
import { ENTITIES } from './format.js';
import { transformStepsSchema } from './transform.js';
import { issuesFromZod, issueText, shownValue } from './config-issues.js';

export const CONFIG_VERSION = 1;

/** A whole number in [min, max]; refused otherwise, numbers written as text (`"5432"`) included, with one message naming the range. */
export function integerSchema(min: number, max: number): z.ZodNumber {
  const error = (issue: { input?: unknown }): string =>
    `expected an integer ${min}–${max}, got ${shownValue(issue.input)}${typeof issue.input === 'string' && /^\s*-?\d+\s*$/.test(issue.input) ? ' (write the number without quotes)' : ''}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

/** A TCP port: 1–65535. */
export const portSchema = (): z.ZodNumber => integerSchema(1, 65535);

export const nameSchema = z
  .string()
  .min(1, 'a name is required')
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/, 'letters, digits, space, dot, dash or underscore, starting with a letter or digit');


/** How a target column gets its value for rows of one entity (the ColumnMapping type in format.ts). */
export const columnMappingSchema = z
  .object({
    /**
     * A field of the source row (case-insensitive); `username|email|student_id` takes the first non-empty.
     * Names starting with `$` are run variables: `$runStartedAt` (ISO 8601 UTC), `$syncMode` (full|delta).
     */
    from: z.string().optional(),
    /** A constant value. */
    const: z.string().optional(),
    /** `{first_name} {last_name}` style concatenation of source fields (after which `transforms` apply). */
    template: z.string().optional(),
    /** Applied in order to the value. */
    transforms: transformStepsSchema.optional(),
  })
  .strict();

export const entitySchema = z.enum(ENTITIES);

/**
 * Where one entity's rows come from: a SELECT for database sources, a file (glob) for an export folder.
 * `builder`: the entity builder's choices (src/shared/entity-builder.ts) the query was generated from,
 * kept so the builder can reopen them; the query is what runs, edited by hand or not.
 */
export const entityQuerySchema = z
  .object({
    query: z.string().min(1).optional(),
    file: z.string().min(1).optional(),
    builder: entityBuilderSpecSchema.optional(),
  })
  .strict()
  .refine((q) => Boolean(q.query) !== Boolean(q.file), 'give either a query or a file, not both')
  .refine((q) => !q.builder || q.query !== undefined, { message: 'builder choices belong to a query, not a file', path: ['builder'] });

export const sourceTypeSchema = z.enum(['sqlite', 'postgres', 'mysql', 'mssql', 'oracle', 'folder']);
export type SourceType = z.infer<typeof sourceTypeSchema>;

const idPrefix = z.string().regex(/^[A-Za-z0-9_-]{1,8}$/, '1 to 8 letters, digits, dash or underscore, e.g. "s"').optional();

/**
 * "Namespace IDs by role": a prefix per role, put before every ID of that role wherever it appears
 * (users, a class's teacher, enrollments by their role, guardian links), for a SIS that numbers
 * students, staff and guardians separately. Off when absent.
 */
export const idNamespacesSchema = z
  .object({ students: idPrefix, teachers: idPrefix, guardians: idPrefix })
  .strict()
  .refine((ns) => {
    const set = [ns.students, ns.teachers, ns.guardians].filter((p) => p !== undefined);
    return new Set(set).size === set.length;
  }, 'each role needs its own prefix');

export const sourceConfigSchema = z
  .object({
    name: nameSchema,
    type: sourceTypeSchema,
    /**
     * A SIS profile (src/profiles/registry.ts, or a custom one): gives every entity's query or file, so a
     * source with `type`, `profile` and connection settings is complete. An `entities` entry replaces that one entity.
     */
    profile: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'a profile id such as "rosariosis" (rostersync profile list)').optional(),
    /** Driver settings (host, port, database, user, file path, folder path…); shape checked by the driver's own schema. */
    settings: z.record(z.string(), z.unknown()).default({}),
    entities: z.partialRecord(entitySchema, entityQuerySchema).default({}),
    idNamespaces: idNamespacesSchema.optional(),
  })
  .strict();
export type SourceConfig = z.infer<typeof sourceConfigSchema>;

export const destinationTypeSchema = z.enum(['folder', 'sftp']);
export type DestinationType = z.infer<typeof destinationTypeSchema>;

export const guardSchema = z
  .object({
    /** Hold when more than this share of a file's records would disappear (0–1). */
    maxRemovedShare: z.number().min(0).max(1).default(0.1),
    /** Hold when more than this share of a file's records would change (0–1). */
    maxChangedShare: z.number().min(0).max(1).default(0.75),
    /** Hold when a file that had records is now empty. */
    holdOnEmpty: z.boolean().default(true),
    /** Files smaller than this (previous record count) are not guarded by share thresholds. */
    minRecordsForShare: z.number().int().min(0).default(20),
    /** Per-file overrides by file name. */
    files: z
      .record(
        z.string(),
        z.object({ maxRemovedShare: z.number().min(0).max(1).optional(), maxChangedShare: z.number().min(0).max(1).optional(), holdOnEmpty: z.boolean().optional() }),
      )
      .default({}),
  })
  .strict();
export type GuardConfig = z.infer<typeof guardSchema>;

/** The machine's IANA time zone: where a new schedule's times are read; UTC only when the machine names none. */
export function machineTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

export const scheduleSchema = z
  .object({
    enabled: z.boolean().default(false),
    /** A preset or a cron expression. */
    preset: z.enum(['nightly', 'weekdays', 'every-n-hours', 'cron']).default('nightly'),
    /** HH:MM for nightly / weekdays. */
    time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM, 24-hour').default('02:00'),
    everyHours: z.number().int().min(1).max(24).default(6),
    cron: z.string().optional(),
    /** IANA zone the times are in; a new schedule takes the machine's. */
    timezone: z.string().default(machineTimeZone),
    /** Date ranges (inclusive, YYYY-MM-DD) when scheduled runs are skipped. */
    blackouts: z
      .array(z.object({ from: z.string(), to: z.string(), label: z.string().optional() }))
      .default([]),
    /** After the machine was off at the scheduled time, run once at start-up. */
    catchUp: z.boolean().default(true),
    /** Vendor cadence limit: at most one upload per this many minutes. */
    minIntervalMinutes: durationSetting('minutes', { min: 0, max: 10_080 }, 0),
    /** Alert (an incident) when no successful delivery for this many hours (0 = off); checked by the agent whether or not the destination is scheduled. */
    staleAfterHours: z.number().int().min(0).max(8_760).default(0),
    /** Older configurations' limit in days; read as `staleAfterHours` = days × 24 when that is 0 (see staleLimitHours). */
    staleAfterDays: z.number().int().min(0).max(365).optional(),
    /** Run when a new complete set arrives in the source's export folder. */
    onArrival: z.boolean().default(false),
  })
  .strict();
export type ScheduleConfig = z.infer<typeof scheduleSchema>;

/** The staleness limit in hours (0 = off), from `staleAfterHours` or an older configuration's `staleAfterDays`. */
export function staleLimitHours(schedule: ScheduleConfig): number {
  return schedule.staleAfterHours || (schedule.staleAfterDays ?? 0) * 24;
}

export const rowFilterSchema = z
  .object({
    /** Keep rows whose value in `field` (a source field) is one of `values`. */
    field: z.string(),
    values: z.array(z.string()),
    entities: z.array(entitySchema).optional(),
  })
  .strict();

/** A destination's mapping: per file, per entity, per column, overrides of the format's default mapping. */
export const mappingTableSchema = z.record(z.string(), z.partialRecord(entitySchema, z.record(z.string(), columnMappingSchema)));
export type MappingTable = z.infer<typeof mappingTableSchema>;

export const customFormatSchema = z.object({ id: z.string() }).passthrough();

/** A custom SIS profile as stored; checked in full by src/profiles/profile.schema.ts. */
export const customProfileSchema = z.object({ id: z.string() }).passthrough();

export const destinationConfigSchema = z
  .object({
    name: nameSchema,
    enabled: z.boolean().default(true),
    source: nameSchema,
    format: z.string().min(1),
    formatOptions: z.record(z.string(), z.union([z.boolean(), z.string()])).default({}),
    type: destinationTypeSchema,
    settings: z.record(z.string(), z.unknown()).default({}),
    mapping: mappingTableSchema.default({}),
    /** Columns the district switched off (sensitive fields): sent blank. */
    disabledColumns: z.array(z.object({ file: z.string(), column: z.string() })).default([]),
    /** Columns the district does not collect: sent blank, without the "no source column" warning. */
    notCollected: z.array(z.object({ file: z.string(), column: z.string() })).default([]),
    rowFilters: z.array(rowFilterSchema).default([]),
    /** What to do with school codes missing from the site map. */
    unmappedSchool: z.enum(['error', 'use-sis-code']).default('error'),
    /**
     * `skip-rows`: rows with errors, and every row that refers to them, are left out and reported, the
     * rest is delivered (run status partial); `block`: any error stops the delivery.
     */
    onValidationError: z.enum(['block', 'skip-rows']).default('skip-rows'),
    /** Error budget of skip-rows: the run is blocked when more than this share of a file's rows is bad (0–1). */
    maxBadRowShare: z.number().min(0).max(1).default(0.02),
    syncMode: z.enum(['full', 'delta']).default('full'),
    guard: guardSchema.default(guardSchema.parse({})),
    schedule: scheduleSchema.default(() => scheduleSchema.parse({})),
    /** Keep delivered files locally for this many days (0 = delete after a successful delivery). */
    keepDeliveredDays: z.number().int().min(0).max(3650).default(0),
    /**
     * Days the generated files of a run that delivered nothing (failed, blocked, discarded, preview) are
     * kept for a look or a retry before the retention sweep deletes them; a held run's are kept until it
     * is approved or discarded, then this long (src/pipeline/retention.ts).
     */
    keepUndeliveredDays: z.number().int().min(0).max(3650).default(7),
    /** Phone region for numbers written without a country code. */
    phoneRegion: z.string().length(2).default('US'),
    /**
     * Write values a spreadsheet would run as a formula (`=…`, `@…`, `+cmd…`) with a leading `'`
     * (OWASP's CSV-injection neutraliser). Off by default: vendors import the files with programs,
     * for which the quote would become part of the name; such values are a warning either way.
     */
    neutraliseFormulas: z.boolean().default(false),
  })
  .strict();
export type DestinationConfig = z.infer<typeof destinationConfigSchema>;

export const siteMapEntrySchema = z
  .object({
    schoolCode: z.string().min(1),
    siteId: z.string().min(1),
    label: z.string().default(''),
  })
  .strict();
export type SiteMapEntry = z.infer<typeof siteMapEntrySchema>;

export const notificationsSchema = z
  .object({
    enabled: z.boolean().default(false),
    host: z.string().default(''),
    port: portSchema().default(587),
    security: z.enum(['starttls', 'tls', 'none']).default('starttls'),
    user: z.string().default(''),
    from: z.string().default(''),
    to: z.array(z.string()).default([]),
    onFailure: z.boolean().default(true),
    onHold: z.boolean().default(true),
    onSuccess: z.boolean().default(false),
    /** Held, partial and successful runs: at most one mail per destination and status within this many minutes. */
    rateLimitMinutes: durationSetting('minutes', { min: 0, max: 10_080 }, 60),
    /** While a destination keeps failing (or stays stale), remind this often (0 = never); the first failure and the recovery are always sent. */
    reminderMinutes: durationSetting('minutes', { min: 0, max: 10_080 }, 720),
    /** Also POST every alert as JSON to the webhook URL (a sealed secret: `rostersync notify set --webhook-url-stdin`). */
    webhookEnabled: z.boolean().default(false),
    /** PEM file of the certificate authority that signed the SMTP server's certificate (an internal CA); the system CAs otherwise. */
    caFile: z.string().optional(),
  })
  .strict();
export type NotificationsConfig = z.infer<typeof notificationsSchema>;

export const settingsSchema = z
  .object({
    historyRetentionDays: z.number().int().min(1).max(36_500).default(365),
    outboxDir: z.string().optional(),
  })
  .strict();

/** Secrets in an exported file: never in clear text. Either absent, or sealed for another machine with a passphrase. */
export const exportedSecretSchema = z.object({ owner: z.string(), field: z.string(), sealed: z.string() }).strict();

export const configFileSchema = z
  .object({
    $schema: z.string().optional(),
    version: z.literal(CONFIG_VERSION),
    sources: z.array(sourceConfigSchema).default([]),
    destinations: z.array(destinationConfigSchema).default([]),
    /** Site maps per destination name. */
    siteMaps: z.record(z.string(), z.array(siteMapEntrySchema)).default({}),
    customFormats: z.array(customFormatSchema).default([]),
    customProfiles: z.array(customProfileSchema).default([]),
    notifications: notificationsSchema.default(notificationsSchema.parse({})),
    settings: settingsSchema.default(settingsSchema.parse({})),
    secrets: z.array(exportedSecretSchema).optional(),
  })
  .strict();
export type ConfigFile = z.infer<typeof configFileSchema>;

/** Readable zod error: `destinations[0].schedule.time: HH:MM, 24-hour`. */
export function describeZodError(error: z.ZodError, where = ''): string {
  return issuesFromZod(error)
    .map((i) => `${where}${issueText(i)}`)
    .join('; ');
}
