/**
 * The one door into the configuration. `rostersync config import`, the local API and the store's
 * own save methods all run these checks, so a value one of them refuses the others refuse too,
 * with the same message: the shape (src/shared/config.schema.ts), each driver's own settings schema
 * (strict: an unknown setting is refused), schedules (croner, IANA time zones), names that must
 * stay inside their folder, number ranges, and references (the destination's source and format).
 *
 * The store is handed this door when the agent opens it (src/home/context.ts); the store layer
 * itself does not know the drivers.
 */
import { z } from 'zod';
import {
  configFileSchema,
  customFormatSchema,
  customProfileSchema,
  destinationConfigSchema,
  notificationsSchema,
  settingsSchema,
  siteMapEntrySchema,
  sourceConfigSchema,
  type ConfigFile,
  type DestinationConfig,
  type NotificationsConfig,
  type SiteMapEntry,
  type SourceConfig,
} from '../shared/config.schema.js';
import { ConfigError, issuesFromZod, type ConfigIssue, type ConfigPath } from '../shared/config-issues.js';
import { scheduleIssues } from '../shared/schedule-check.js';
import { relativePathProblem } from '../shared/relative-path.js';
import { parseCustomFormat, resolveFormat } from '../formats/custom-formats.js';
import { FormatDefinitionError } from '../shared/format.schema.js';
import { getSourceDriver } from '../sources/registry.js';
import { ProfileDefinitionError, parseCustomProfile, resolveProfile } from '../profiles/profile.schema.js';
import { checkProfileEngine } from '../profiles/resolve.js';
import { getDestinationDriver } from '../destinations/registry.js';
import type { ConfigDoor, ConfigLookup, GeneralSettings } from '../store/store.js';

/** The keys an object schema knows at `path` (through defaults and optionals), for "unknown key; expected one of …". */
function keysAt(schema: z.ZodType, path: ConfigPath): readonly string[] | undefined {
  let node: z.ZodType | undefined = schema;
  for (const step of [...path, undefined]) {
    while (node instanceof z.ZodDefault || node instanceof z.ZodOptional) node = node.unwrap() as z.ZodType;
    if (step === undefined) break;
    if (!(node instanceof z.ZodObject) || typeof step !== 'string') return undefined;
    node = (node.shape as Record<string, z.ZodType>)[step];
  }
  return node instanceof z.ZodObject ? Object.keys(node.shape as object) : undefined;
}

/** Parses with `schema` or returns its issues (paths relative to the parsed value). */
function parse<T>(schema: z.ZodType<T>, input: unknown): { data: T; issues?: undefined } | { data?: undefined; issues: ConfigIssue[] } {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return { data: result.data };
  return { issues: issuesFromZod(result.error, (path) => keysAt(schema, path)) };
}

function parseOrThrow<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = parse(schema, input);
  if (result.issues) throw new ConfigError(result.issues);
  return result.data as T;
}

const under = (parent: ConfigPath, issues: readonly ConfigIssue[]): ConfigIssue[] => issues.map((i) => ({ path: [...parent, ...i.path], message: i.message }));

/** A driver's settings against its own schema; issues at `settings.…`. */
function settingsIssues(schema: z.ZodType, settings: unknown): ConfigIssue[] {
  return under(['settings'], parse(schema, settings).issues ?? []);
}

export function checkSourceSettings(type: string, settings: unknown): void {
  const issues = settingsIssues(getSourceDriver(type).settingsSchema, settings);
  if (issues.length) throw new ConfigError(issues);
}

export function checkDestinationSettings(type: string, settings: unknown): void {
  const issues = settingsIssues(getDestinationDriver(type).settingsSchema, settings);
  if (issues.length) throw new ConfigError(issues);
}

/** A whole configuration file's shape (each entry is then checked on its own, with its references). */
export function checkConfigFileShape(raw: unknown): ConfigFile {
  return parseOrThrow(configFileSchema, raw);
}

/**
 * A source: its shape, its driver's settings, a profile that exists and runs on its type, and each
 * entity asking for what the driver reads (a file inside the folder, or a query).
 */
export function checkSource(input: unknown, lookup: Pick<ConfigLookup, 'customProfiles'>): SourceConfig {
  const config = parseOrThrow(sourceConfigSchema, input);
  const driver = getSourceDriver(config.type);
  const issues = settingsIssues(driver.settingsSchema, config.settings);
  if (config.profile) {
    try {
      checkProfileEngine(resolveProfile(config.profile, lookup.customProfiles()), config.type);
    } catch (err) {
      issues.push({ path: ['profile'], message: (err as Error).message });
    }
  }
  const readsFiles = driver.capabilities.includes('files');
  for (const [entity, request] of Object.entries(config.entities)) {
    if (!request) continue;
    const at = ['entities', entity];
    if (readsFiles && request.query !== undefined) issues.push({ path: [...at, 'query'], message: `${driver.displayName} sources read files: give "file", not a query` });
    if (!readsFiles && request.file !== undefined) issues.push({ path: [...at, 'file'], message: `${driver.displayName} sources run a query: give "query", not a file` });
    const problem = request.file === undefined ? undefined : relativePathProblem(request.file);
    if (problem) issues.push({ path: [...at, 'file'], message: problem });
  }
  if (issues.length) throw new ConfigError(issues);
  return config;
}

/** A destination: its shape, its driver's settings, a schedule that can run, and a source and format that exist. */
export function checkDestination(input: unknown, lookup: ConfigLookup): DestinationConfig {
  const config = parseOrThrow(destinationConfigSchema, input);
  const issues = [...settingsIssues(getDestinationDriver(config.type).settingsSchema, config.settings), ...under(['schedule'], scheduleIssues(config.schedule))];
  if (!lookup.hasSource(config.source)) issues.push({ path: ['source'], message: `no source named "${config.source}" is configured` });
  try {
    resolveFormat(config.format, lookup.customFormats());
  } catch (err) {
    issues.push({ path: ['format'], message: (err as Error).message });
  }
  if (issues.length) throw new ConfigError(issues);
  return config;
}

/** A destination's whole site map: each entry's shape, each school code once, and a destination that exists. */
export function checkSiteMap(destination: string, entries: unknown, lookup: ConfigLookup): SiteMapEntry[] {
  const parsed = parseOrThrow(z.array(siteMapEntrySchema), entries);
  const issues: ConfigIssue[] = [];
  if (!lookup.hasDestination(destination)) issues.push({ path: [], message: `no destination named "${destination}" is configured` });
  const first = new Map<string, number>();
  parsed.forEach((e, i) => {
    const seen = first.get(e.schoolCode);
    if (seen !== undefined) issues.push({ path: [i, 'schoolCode'], message: `school code "${e.schoolCode}" appears twice (also at [${seen}])` });
    else first.set(e.schoolCode, i);
  });
  if (issues.length) throw new ConfigError(issues);
  return parsed;
}

/** Notification settings' shape and ranges. Whether alerts can reach anyone also depends on sealed secrets (a webhook URL), which the callers check. */
export function checkNotifications(input: unknown): NotificationsConfig {
  return parseOrThrow(notificationsSchema, input);
}

export function checkGeneralSettings(input: unknown): GeneralSettings {
  return parseOrThrow(settingsSchema, input);
}

/** A custom vendor format, checked in full (src/shared/format.schema.ts); stored as given. */
export function checkCustomFormat(input: unknown): z.infer<typeof customFormatSchema> {
  try {
    parseCustomFormat(input, '');
  } catch (err) {
    if (err instanceof FormatDefinitionError) throw new ConfigError([{ path: [], message: err.message }]);
    throw err;
  }
  return parseOrThrow(customFormatSchema, input);
}

/** A custom SIS profile, checked in full (src/profiles/profile.schema.ts); stored as given. */
export function checkCustomProfile(input: unknown): z.infer<typeof customProfileSchema> {
  try {
    parseCustomProfile(input, '');
  } catch (err) {
    if (err instanceof ProfileDefinitionError) throw new ConfigError([{ path: [], message: err.message }]);
    throw err;
  }
  return parseOrThrow(customProfileSchema, input);
}

export const CONFIG_DOOR: ConfigDoor = {
  source: checkSource,
  destination: checkDestination,
  siteMap: checkSiteMap,
  notifications: checkNotifications,
  generalSettings: checkGeneralSettings,
  customFormat: checkCustomFormat,
  customProfile: checkCustomProfile,
};
