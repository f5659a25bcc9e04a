/**
 * The whole configuration as one versioned file (YAML or JSON): sources, destinations with their
 * mappings and schedules, site maps, custom formats, notifications. Secrets are left out unless
 * the admin asks for them, and then only sealed with a passphrase, never in clear text.
 */
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import YAML, { isNode, LineCounter } from 'yaml';
import { z } from 'zod';
import { CONFIG_VERSION, configFileSchema, type ConfigFile } from '../shared/config.schema.js';
import { ConfigError, issueText, type ConfigIssue } from '../shared/config-issues.js';
import { sealWithPassphrase } from '../secrets/vault.js';
import { checkConfigFileShape, checkCustomFormat, checkCustomProfile } from '../home/config-door.js';
import type { AgentContext } from '../home/context.js';

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
    customProfiles: store.listCustomProfiles() as ConfigFile['customProfiles'],
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

/** A configuration file as read: the checked configuration, and the document as written (to tell a key left out from a default). */
export interface ConfigDocument {
  readonly config: ConfigFile;
  readonly raw: unknown;
  /** The file name, put before every problem found later. */
  readonly where: string;
}

export function parseConfigDocument(text: string, where: string): ConfigDocument {
  let raw: unknown;
  try {
    raw = where.endsWith('.json') ? JSON.parse(text) : YAML.parse(text);
  } catch (err) {
    throw new ConfigError([{ path: [], message: `not valid ${where.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}` }], where);
  }
  const version = (raw as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && version > CONFIG_VERSION) {
    throw new ConfigError([{ path: ['version'], message: `configuration version ${version} is newer than this RosterSync understands (${CONFIG_VERSION})` }], where);
  }
  try {
    const config = checkConfigFileShape(raw);
    checkCustomFormats(config);
    checkCustomProfiles(config);
    return { config, raw, where };
  } catch (err) {
    throw err instanceof ConfigError ? new ConfigError(err.issues, where) : err;
  }
}

/** Custom formats are checked in full (src/shared/format.schema.ts), each id once: `customFormats[0]: files[1]…: …`. */
function checkCustomFormats(file: ConfigFile): void {
  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  file.customFormats.forEach((f, i) => {
    try {
      checkCustomFormat(f);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      issues.push(...err.at('customFormats', i).issues);
    }
    if (seen.has(f.id)) issues.push({ path: ['customFormats', i, 'id'], message: `"${f.id}" appears twice; custom format ids must be unique` });
    seen.add(f.id);
  });
  if (issues.length) throw new ConfigError(issues);
}

/** Custom SIS profiles are checked in full (src/profiles/profile.schema.ts), each id once. */
function checkCustomProfiles(file: ConfigFile): void {
  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  file.customProfiles.forEach((p, i) => {
    try {
      checkCustomProfile(p);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      issues.push(...err.at('customProfiles', i).issues);
    }
    if (seen.has(p.id)) issues.push({ path: ['customProfiles', i, 'id'], message: `"${p.id}" appears twice; custom profile ids must be unique` });
    seen.add(p.id);
  });
  if (issues.length) throw new ConfigError(issues);
}

export function parseConfigText(text: string, where: string): ConfigFile {
  return parseConfigDocument(text, where).config;
}

export function writeTextAtomic(path: string, text: string): void {
  writeFileSync(`${path}.partial`, text, { mode: 0o640 });
  renameSync(`${path}.partial`, path);
}

export function readConfigFile(path: string): ConfigDocument {
  return parseConfigDocument(readFileSync(path, 'utf8'), path);
}

/**
 * The line of the configuration text each problem is on (1-based): the value at its path, or the
 * nearest enclosing entry when the value is missing; undefined when the text does not parse.
 */
export function issueLines(text: string, issues: readonly ConfigIssue[]): (number | undefined)[] {
  const lineCounter = new LineCounter();
  const doc = YAML.parseDocument(text, { lineCounter });
  if (doc.errors.length) return issues.map(() => undefined);
  return issues.map((issue) => {
    for (let depth = issue.path.length; depth > 0; depth--) {
      const node = doc.getIn(issue.path.slice(0, depth), true);
      if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  });
}

/** A refused configuration as one message naming the file, and each problem's line and field. */
export function describeConfigError(err: ConfigError, text: string): string {
  const lines = issueLines(text, err.issues);
  return `${err.where ? `${err.where}: ` : ''}${err.issues.map((issue, i) => `${lines[i] ? `line ${lines[i]}, ` : ''}${issueText(issue)}`).join('; ')}`;
}
