/** Where the agent keeps its store, machine key, outbox and run folders. */
import { homedir } from 'node:os';
import { join } from 'node:path';

export function defaultHome(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string {
  if (platform === 'win32') return join(env.ProgramData ?? 'C:\\ProgramData', 'RosterSync');
  if (platform === 'darwin') return process.getuid?.() === 0 ? '/Library/Application Support/RosterSync' : join(homedir(), 'Library', 'Application Support', 'RosterSync');
  if (process.getuid?.() === 0) return '/var/lib/rostersync';
  return join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'rostersync');
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
}

export function homeLayout(home: string): HomeLayout {
  return {
    home,
    storePath: join(home, 'rostersync.db'),
    outbox: join(home, 'outbox'),
    runsDir: join(home, 'runs'),
    fingerprintsDir: join(home, 'fingerprints'),
    demoDir: join(home, 'demo'),
  };
}
