/**
 * `rostersync config import`: a configuration file merged into the agent's. Every entry passes the
 * same checks as a save through the API (src/home/config-door.ts) before anything is written, and
 * every problem is reported at once with its path. The admin sees what will change (added, changed,
 * unchanged; field by field) and what the file leaves alone: entries it does not list, notification
 * and general settings it does not contain, site maps it does not name, and settings the agent
 * learned after set-up (a pinned SFTP host key) that the file does not set.
 */
import type { DestinationConfig, ScheduleConfig } from '../shared/config.schema.js';
import type { ConfigEntryChange, ConfigImportPlan } from '../shared/api.contract.js';
import { ConfigError, shownValue, type ConfigIssue } from '../shared/config-issues.js';
import { unsealWithPassphrase } from '../secrets/vault.js';
import { getDestinationDriver } from '../destinations/registry.js';
import { describeSchedule } from '../scheduler/schedule.js';
import type { ConfigLookup } from '../store/store.js';
import { checkDestination, checkNotifications, checkGeneralSettings, checkSiteMap, checkSource } from '../home/config-door.js';
import type { ConfigDocument } from './config-file.js';
import { saveSecrets, type AgentContext } from '../home/context.js';

/** The plan's types are the API's (src/shared/api.contract.ts): the GUI shows the same dry run. */
export type EntryChange = ConfigEntryChange;
export type ImportPlan = ConfigImportPlan;

export interface ImportOptions {
  readonly secretsPassphrase?: string;
  /** Check everything and say what would change; write nothing. */
  readonly dryRun?: boolean;
}

const MAX_DETAILS = 12;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Leaf-by-leaf differences of two parsed values: `settings.port: 22 → 2222`, `settings.remoteDir: set to "Upload"`. */
function fieldChanges(before: unknown, after: unknown, path: string): string[] {
  if (isRecord(before) && isRecord(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => fieldChanges(before[k], after[k], path ? `${path}.${k}` : k));
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  if (before === undefined) return [`${path}: set to ${shownValue(after)}`];
  if (after === undefined) return [`${path}: removed (was ${shownValue(before)})`];
  return [`${path}: ${shownValue(before)} → ${shownValue(after)}`];
}

const scheduleText = (s: ScheduleConfig): string => (s.enabled ? describeSchedule(s) : `off (${describeSchedule(s)})`);

/** A destination's schedule in words when that says what changed, field by field otherwise (blackouts, catch-up…). */
function destinationChanges(before: DestinationConfig, after: DestinationConfig): string[] {
  const { schedule: b, ...restBefore } = before;
  const { schedule: a, ...restAfter } = after;
  const schedule = scheduleText(b) !== scheduleText(a) ? [`schedule: ${scheduleText(b)} → ${scheduleText(a)}`] : fieldChanges(b, a, 'schedule');
  return [...fieldChanges(restBefore, restAfter, ''), ...schedule];
}

function change(name: string, before: unknown, details: string[]): EntryChange {
  const shown = details.length > MAX_DETAILS ? [...details.slice(0, MAX_DETAILS), `… and ${details.length - MAX_DETAILS} more`] : details;
  return { name, kind: before === undefined ? 'added' : details.length ? 'changed' : 'unchanged', details: before === undefined ? [] : shown };
}

/** Names given twice in one list: `sources[2].name: "sis" appears twice`. */
function duplicateNames(list: readonly { name: string }[], key: string): ConfigIssue[] {
  const seen = new Set<string>();
  return list.flatMap((entry, i) => {
    const twice = seen.has(entry.name);
    seen.add(entry.name);
    return twice ? [{ path: [key, i, 'name'], message: `"${entry.name}" appears twice` }] : [];
  });
}

/** Runs one door check, collecting its problems under `path` instead of stopping at the first entry. */
function collect<T>(issues: ConfigIssue[], path: readonly (string | number)[], check: () => T): T | undefined {
  try {
    return check();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    issues.push(...err.at(...path).issues);
    return undefined;
  }
}

/**
 * Checks the whole file against this agent (its sources, destinations and formats as they will be
 * after the import), shows what changes, and applies it in one transaction unless `dryRun`.
 * Throws ConfigError listing every problem; nothing is written then.
 */
export function importConfig(ctx: AgentContext, doc: ConfigDocument, options: ImportOptions = {}): ImportPlan {
  const { store } = ctx;
  const { config } = doc;
  const raw = isRecord(doc.raw) ? doc.raw : {};
  const issues: ConfigIssue[] = [...duplicateNames(config.sources, 'sources'), ...duplicateNames(config.destinations, 'destinations')];

  const fileSources = new Set(config.sources.map((s) => s.name));
  const fileDestinations = new Set(config.destinations.map((d) => d.name));
  const fileFormatIds = new Set(config.customFormats.map((f) => f.id));
  const fileProfileIds = new Set(config.customProfiles.map((p) => p.id));
  const lookup: ConfigLookup = {
    hasSource: (name) => fileSources.has(name) || store.hasSource(name),
    hasDestination: (name) => fileDestinations.has(name) || store.hasDestination(name),
    customFormats: () => [...store.listCustomFormats().filter((f) => !fileFormatIds.has((f as { id: string }).id)), ...config.customFormats],
    customProfiles: () => [...store.listCustomProfiles().filter((p) => !fileProfileIds.has((p as { id: string }).id)), ...config.customProfiles],
  };

  const kept: string[] = [];
  const sources = config.sources.map((s, i) => collect(issues, ['sources', i], () => checkSource(s, lookup)));
  const rawDestinations = Array.isArray(raw.destinations) ? (raw.destinations as unknown[]) : [];
  const destinations = config.destinations.map((d, i) => {
    const stored = store.getDestination(d.name);
    const given = isRecord(rawDestinations[i]) ? rawDestinations[i].settings : undefined;
    const settings = { ...d.settings };
    for (const key of getDestinationDriver(d.type).keptOnReimport ?? []) {
      const learned = stored?.type === d.type ? stored.settings[key] : undefined;
      if (learned === undefined || learned === '' || (isRecord(given) && key in given)) continue;
      settings[key] = learned;
      kept.push(`destination ${d.name}: settings.${key} (not in the file)`);
    }
    return collect(issues, ['destinations', i], () => checkDestination({ ...d, settings }, lookup));
  });
  const siteMaps = Object.entries(config.siteMaps).map(([destination, entries]) => ({
    destination,
    entries: collect(issues, ['siteMaps', destination], () => checkSiteMap(destination, entries, lookup)),
  }));
  const notifications = 'notifications' in raw ? collect(issues, ['notifications'], () => checkNotifications(config.notifications)) : undefined;
  const general = 'settings' in raw ? collect(issues, ['settings'], () => checkGeneralSettings(config.settings)) : undefined;
  if (!('notifications' in raw)) kept.push('notifications (not in the file)');
  if (!('settings' in raw)) kept.push('general settings (not in the file)');
  for (const d of store.listDestinations()) {
    if (!(d.name in config.siteMaps) && store.getSiteMap(d.name).length) kept.push(`site map of ${d.name} (not in the file)`);
  }
  if (config.secrets?.length && !options.secretsPassphrase) {
    issues.push({ path: ['secrets'], message: 'this configuration carries sealed secrets: give the passphrase it was exported with (--passphrase-env VAR, or on standard input)' });
  }
  if (issues.length) throw new ConfigError(issues, doc.where);
  const secrets = options.secretsPassphrase ? (config.secrets ?? []).map((s) => ({ ...s, plain: unsealWithPassphrase(s.sealed, options.secretsPassphrase!) })) : [];

  const plan: ImportPlan = {
    sources: sources.map((s) => {
      const before = store.getSource(s!.name);
      return change(s!.name, before, before ? fieldChanges(before, s, '') : []);
    }),
    destinations: destinations.map((d) => {
      const before = store.getDestination(d!.name);
      return change(d!.name, before, before ? destinationChanges(before, d!) : []);
    }),
    siteMaps: siteMaps.map(({ destination, entries }) => {
      const before = store.getSiteMap(destination);
      const old = new Map(before.map((e) => [e.schoolCode, e]));
      const now = new Map(entries!.map((e) => [e.schoolCode, e]));
      const added = entries!.filter((e) => !old.has(e.schoolCode)).length;
      const removed = before.filter((e) => !now.has(e.schoolCode)).length;
      const changed = entries!.filter((e) => old.has(e.schoolCode) && JSON.stringify(old.get(e.schoolCode)) !== JSON.stringify(e)).length;
      const details = added + removed + changed ? [`${before.length} → ${entries!.length} school(s): ${added} added, ${removed} removed, ${changed} changed`] : [];
      return change(destination, before.length || store.hasDestination(destination) ? before : undefined, details);
    }),
    customFormats: config.customFormats.map((f) => {
      const before = store.listCustomFormats().find((s) => (s as { id: string }).id === f.id);
      return change(f.id, before, before && JSON.stringify(before) !== JSON.stringify(f) ? ['definition changed'] : []);
    }),
    customProfiles: config.customProfiles.map((p) => {
      const before = store.listCustomProfiles().find((s) => (s as { id: string }).id === p.id);
      return change(p.id, before, before && JSON.stringify(before) !== JSON.stringify(p) ? ['definition changed'] : []);
    }),
    notifications: notifications && change('notifications', store.getNotifications(), fieldChanges(store.getNotifications(), notifications, '')),
    settings: general && change('general settings', store.getGeneralSettings(), fieldChanges(store.getGeneralSettings(), general, '')),
    kept,
    notInFile: [
      ...store.listSources().filter((s) => !fileSources.has(s.name)).map((s) => `source ${s.name}`),
      ...store.listDestinations().filter((d) => !fileDestinations.has(d.name)).map((d) => `destination ${d.name}`),
    ],
    secrets: secrets.length,
  };
  if (options.dryRun) return plan;

  store.transaction(() => {
    for (const f of config.customFormats) store.saveCustomFormat(f.id, f);
    for (const p of config.customProfiles) store.saveCustomProfile(p.id, p);
    for (const s of sources) store.saveSource(s!);
    for (const d of destinations) store.saveDestination(d!);
    for (const { destination, entries } of siteMaps) store.replaceSiteMap(destination, entries!);
    if (notifications) store.saveNotifications(notifications);
    if (general) store.saveGeneralSettings(general);
    // Bound to the connection the imported file configures for each owner (saved above, in this transaction).
    for (const s of secrets) saveSecrets(ctx, s.owner, { [s.field]: s.plain });
  });
  return plan;
}

function section(title: string, changes: readonly EntryChange[]): string[] {
  if (!changes.length) return [];
  const count = (kind: EntryChange['kind']): number => changes.filter((c) => c.kind === kind).length;
  const mark = { added: '+', changed: '~', unchanged: '=' } as const;
  return [
    `${title}: ${count('added')} added, ${count('changed')} changed, ${count('unchanged')} unchanged`,
    ...changes.filter((c) => c.kind !== 'unchanged').flatMap((c) => [`  ${mark[c.kind]} ${c.name}`, ...c.details.map((d) => `      ${d}`)]),
  ];
}

/** The plan as an admin reads it before (with --dry-run) or after the import. */
export function formatImportPlan(plan: ImportPlan): string {
  return [
    ...section('Sources', plan.sources),
    ...section('Destinations', plan.destinations),
    ...section('Site maps', plan.siteMaps),
    ...section('Custom formats', plan.customFormats),
    ...section('Custom SIS profiles', plan.customProfiles),
    ...section('Notifications', plan.notifications ? [plan.notifications] : []),
    ...section('General settings', plan.settings ? [plan.settings] : []),
    ...(plan.kept.length ? ['Kept as configured here:', ...plan.kept.map((k) => `  ${k}`)] : []),
    ...(plan.notInFile.length ? ['Not in the file, left as they are:', ...plan.notInFile.map((k) => `  ${k}`)] : []),
    ...(plan.secrets ? [`Secrets: ${plan.secrets} sealed secret(s) in the file.`] : []),
  ].join('\n');
}
