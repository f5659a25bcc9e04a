/**
 * The whole configuration as one versioned file (YAML or JSON): sources, destinations with their
 * mappings and schedules, site maps, custom formats, notifications. Secrets are left out unless
 * the admin asks for them, and then only sealed with a passphrase, never in clear text.
 */
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import YAML from 'yaml';
import { z } from 'zod';
import {
  CONFIG_VERSION,
  configFileSchema,
  describeZodError,
  notificationsSchema,
  settingsSchema,
  type ConfigFile,
} from '../shared/config.schema.js';
import { sealWithPassphrase, unsealWithPassphrase } from '../secrets/vault.js';
import { parseCustomFormat } from '../formats/format.schema.js';
import { BUILT_IN_FORMATS } from '../formats/registry.js';
import { saveSecrets, type AgentContext } from './context.js';

export const CONFIG_SCHEMA_URL = 'https://rostersync.local/schema/config-v1.json';

export function configJsonSchema(): unknown {
  return z.toJSONSchema(configFileSchema, { io: 'input' });
}

export interface ExportOptions {
  /** Include secrets, sealed with this passphrase. */
  readonly secretsPassphrase?: string;
}

export function exportConfig(ctx: AgentContext, options: ExportOptions = {}): ConfigFile {
  const { store } = ctx;
  const destinations = store.listDestinations();
  const file: ConfigFile = {
    $schema: CONFIG_SCHEMA_URL,
    version: CONFIG_VERSION,
    sources: store.listSources(),
    destinations,
    siteMaps: Object.fromEntries(destinations.map((d) => [d.name, store.getSiteMap(d.name)])),
    customFormats: store.listCustomFormats() as ConfigFile['customFormats'],
    notifications: store.getNotifications(),
    settings: store.getGeneralSettings(),
  };
  if (options.secretsPassphrase) {
    file.secrets = store.listSealedSecrets().map((s) => ({
      owner: s.owner,
      field: s.field,
      sealed: sealWithPassphrase(ctx.vault.unseal(s.sealed, s.binding ?? ''), options.secretsPassphrase!),
    }));
  }
  return file;
}

export function serializeConfig(file: ConfigFile, format: 'yaml' | 'json'): string {
  return format === 'json' ? JSON.stringify(file, null, 2) + '\n' : `# RosterSync configuration, version ${file.version}. Schema: rostersync config schema\n${YAML.stringify(file)}`;
}

export function parseConfigText(text: string, where: string): ConfigFile {
  let raw: unknown;
  try {
    raw = where.endsWith('.json') ? JSON.parse(text) : YAML.parse(text);
  } catch (err) {
    throw new Error(`${where}: not valid ${where.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`, { cause: err });
  }
  const version = (raw as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && version > CONFIG_VERSION) {
    throw new Error(`${where}: configuration version ${version} is newer than this RosterSync understands (${CONFIG_VERSION}).`);
  }
  const parsed = configFileSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`${where}: ${describeZodError(parsed.error)}`);
  validateCustomFormats(parsed.data, where);
  return parsed.data;
}

/** Custom formats are checked in full (src/formats/format.schema.ts): `file.yaml: customFormats[0]: files[1]…: …`. */
export function validateCustomFormats(file: ConfigFile, where: string): void {
  const seen = new Set<string>();
  file.customFormats.forEach((f, i) => {
    parseCustomFormat(f, `${where}: customFormats[${i}]`);
    if (seen.has(f.id)) throw new Error(`${where}: customFormats[${i}].id: "${f.id}" appears twice; custom format ids must be unique.`);
    seen.add(f.id);
  });
}

export interface ImportOptions {
  readonly secretsPassphrase?: string;
}

/** Replaces the configuration with the file's, in one transaction. Secrets already stored stay unless the file carries new ones. */
export function importConfig(ctx: AgentContext, file: ConfigFile, options: ImportOptions = {}): { sources: number; destinations: number; secrets: number } {
  const { store } = ctx;
  validateCustomFormats(file, 'configuration');
  const formatIds = new Set([...BUILT_IN_FORMATS, ...file.customFormats, ...(store.listCustomFormats() as { id: string }[])].map((f) => f.id));
  file.destinations.forEach((d, i) => {
    if (!formatIds.has(d.format)) {
      throw new Error(`destinations[${i}].format: "${d.format}" is not a built-in format or a custom format in the file (known: ${[...formatIds].join(', ')}).`);
    }
  });
  const sourceNames = new Set(file.sources.map((s) => s.name));
  for (const d of file.destinations) {
    if (!sourceNames.has(d.source) && !store.getSource(d.source)) {
      throw new Error(`destinations: "${d.name}" reads source "${d.source}", which is neither in the file nor configured.`);
    }
  }
  if (file.secrets?.length && !options.secretsPassphrase) {
    throw new Error('This configuration carries sealed secrets: give the passphrase it was exported with (--passphrase-env VAR, or on standard input).');
  }
  const secrets = (file.secrets ?? []).map((s) => ({ ...s, plain: unsealWithPassphrase(s.sealed, options.secretsPassphrase!) }));
  store.db.transaction(() => {
    for (const s of file.sources) store.saveSource(s);
    for (const d of file.destinations) store.saveDestination(d);
    for (const [destination, entries] of Object.entries(file.siteMaps)) store.replaceSiteMap(destination, entries);
    for (const f of file.customFormats) store.saveCustomFormat(f.id, f);
    store.setSetting('notifications', notificationsSchema.parse(file.notifications));
    store.setSetting('general', settingsSchema.parse(file.settings));
    // Bound to the connection the imported file configures for each owner.
    for (const s of secrets) saveSecrets(ctx, s.owner, { [s.field]: s.plain });
  })();
  return { sources: file.sources.length, destinations: file.destinations.length, secrets: secrets.length };
}

export function writeTextAtomic(path: string, text: string): void {
  writeFileSync(`${path}.partial`, text, { mode: 0o640 });
  renameSync(`${path}.partial`, path);
}

export function readConfigFile(path: string): ConfigFile {
  return parseConfigText(readFileSync(path, 'utf8'), path);
}
