/** Where the agent keeps its store, machine key, outbox and run folders. */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import type { KeyLocation } from '../secrets/vault.js';

export function defaultHome(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string {
  if (platform === 'win32') return join(env.ProgramData ?? 'C:\\ProgramData', 'RosterSync');
  if (platform === 'darwin') return process.getuid?.() === 0 ? '/Library/Application Support/RosterSync' : join(homedir(), 'Library', 'Application Support', 'RosterSync');
  if (process.getuid?.() === 0) return '/var/lib/rostersync';
  return join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'rostersync');
}

/** ` --home DIR` for a printed follow-up command, or nothing for the default data folder (quoted when it has spaces). */
export function homeArg(home: string): string {
  return home === defaultHome() ? '' : ` --home ${/\s/.test(home) ? JSON.stringify(home) : home}`;
}

export function resolveHome(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  return explicit ?? env.ROSTERSYNC_HOME ?? defaultHome();
}

export interface HomeLayout {
  readonly home: string;
  readonly storePath: string;
  readonly outbox: string;
  readonly runsDir: string;
  readonly fingerprintsDir: string;
  readonly demoDir: string;
  readonly backupsDir: string;
  /** `home.json`: settings about the data folder itself that cannot live in the store (where the key is). */
  readonly homeConfigPath: string;
  /** The agent's log (JSON lines, rotated beside it as rostersync.log.1 …): `rostersync logs` reads it. */
  readonly logFile: string;
}

export function homeLayout(home: string): HomeLayout {
  return {
    home,
    storePath: join(home, 'rostersync.db'),
    outbox: join(home, 'outbox'),
    runsDir: join(home, 'runs'),
    fingerprintsDir: join(home, 'fingerprints'),
    demoDir: join(home, 'demo'),
    backupsDir: join(home, 'backups'),
    homeConfigPath: join(home, HOME_CONFIG_FILE),
    logFile: join(home, 'logs', 'rostersync.log'),
  };
}

export const HOME_CONFIG_FILE = 'home.json';
export const DEFAULT_KEY_FILE = 'machine.key';
/** The name `LoadCredential=` gives the key in the systemd unit (src/service/definitions.ts). */
export const KEY_CREDENTIAL_NAME = 'rostersync-machine-key';

export class HomeConfigError extends Error {
  override name = 'HomeConfigError';
}

/** `<home>/home.json`, e.g. `{ "keyFile": "/etc/rostersync/machine.key" }`; absent = defaults. */
export function readHomeConfig(layout: HomeLayout): { readonly keyFile?: string } {
  if (!existsSync(layout.homeConfigPath)) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(layout.homeConfigPath, 'utf8'));
  } catch (err) {
    throw new HomeConfigError(`${layout.homeConfigPath}: not valid JSON (${(err as Error).message}).`);
  }
  const keyFile = (raw as { keyFile?: unknown } | null)?.keyFile;
  if (keyFile === undefined) return {};
  if (typeof keyFile !== 'string' || !isAbsolute(keyFile)) throw new HomeConfigError(`${layout.homeConfigPath}: keyFile must be an absolute path; got ${JSON.stringify(keyFile)}.`);
  return { keyFile };
}

/**
 * Where the machine key is, first match wins: a systemd credential (`LoadCredential=` puts it in
 * $CREDENTIALS_DIRECTORY, readable only by the service), ROSTERSYNC_KEY_FILE, `keyFile` in
 * home.json, else `machine.key` in the data folder.
 */
export function machineKeyLocation(layout: HomeLayout, env: NodeJS.ProcessEnv = process.env): KeyLocation {
  const credential = env.CREDENTIALS_DIRECTORY ? join(env.CREDENTIALS_DIRECTORY, KEY_CREDENTIAL_NAME) : undefined;
  if (credential && existsSync(credential)) return { path: credential, origin: `the systemd credential ${KEY_CREDENTIAL_NAME}`, creatable: false };
  if (env.ROSTERSYNC_KEY_FILE) return { path: env.ROSTERSYNC_KEY_FILE, origin: 'ROSTERSYNC_KEY_FILE', creatable: true };
  const { keyFile } = readHomeConfig(layout);
  if (keyFile) return { path: keyFile, origin: `keyFile in ${layout.homeConfigPath}`, creatable: true };
  return { path: join(layout.home, DEFAULT_KEY_FILE), origin: 'the data folder', creatable: true };
}
