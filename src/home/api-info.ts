/**
 * Where a running agent's API can be found: `<home>/api.json` ({ port, pid, url, startedAt }),
 * written by the server when it listens and removed when it stops. The tray app and
 * `rostersync ui` read it to reach an agent that is already running.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pidIsAlive } from '../store/store.js';

export const API_INFO_FILE = 'api.json';

export interface ApiInfo {
  readonly port: number;
  readonly pid: number;
  readonly url: string;
  readonly startedAt: string;
}

export const apiInfoPath = (home: string): string => join(home, API_INFO_FILE);

export function writeApiInfo(home: string, info: ApiInfo): void {
  const path = apiInfoPath(home);
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o644 });
  renameSync(temp, path);
}

/** The API info of a live agent; undefined when the file is absent, unreadable or its process is gone. */
export function readApiInfo(home: string, isAlive: (pid: number) => boolean = pidIsAlive): ApiInfo | undefined {
  const path = apiInfoPath(home);
  if (!existsSync(path)) return undefined;
  try {
    const info = JSON.parse(readFileSync(path, 'utf8')) as Partial<ApiInfo>;
    if (typeof info.port !== 'number' || typeof info.pid !== 'number' || typeof info.url !== 'string') return undefined;
    return isAlive(info.pid) ? (info as ApiInfo) : undefined;
  } catch {
    return undefined;
  }
}

/** Removes api.json if it still describes this process. */
export function removeApiInfo(home: string, pid = process.pid): void {
  const path = apiInfoPath(home);
  try {
    const info = JSON.parse(readFileSync(path, 'utf8')) as Partial<ApiInfo>;
    if (info.pid === pid) rmSync(path, { force: true });
  } catch {
    // absent or unreadable: nothing of ours to remove
  }
}
