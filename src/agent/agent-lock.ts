/**
 * One agent per data folder. The agent (`rostersync agent`, `rostersync ui`, or the agent the tray
 * app starts) holds the `#agent` row of the store's run locks (src/scheduler/lock.ts: pid, host,
 * heartbeat; taken over when its holder died). Whoever holds it runs the scheduler and the
 * export-folder watchers; any other process serving the API attaches to it instead of competing.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from '../store/store.js';
import { acquireDestinationLock, DestinationBusyError, listLocks, staleReason, type DestinationLock, type LockHolder } from '../scheduler/lock.js';
import { SERVICE_NAME } from '../service/definitions.js';

/** The run_locks row that keeps a second agent off the same data folder (not a valid destination name). */
export const AGENT_LOCK_NAME = '#agent';

/** Another live agent holds this data folder. */
export class AgentRunningError extends Error {
  constructor(
    readonly home: string,
    readonly holder: LockHolder,
  ) {
    super(`Another RosterSync agent is already running for ${home} (pid ${holder.pid}${holder.host ? ` on ${holder.host}` : ''} since ${holder.acquiredAt}).`);
    this.name = 'AgentRunningError';
  }
}

/** Takes the data folder for this process, or throws AgentRunningError naming the live holder. */
export function acquireAgentLock(store: Store, home: string): DestinationLock {
  try {
    return acquireDestinationLock(store, AGENT_LOCK_NAME, { purpose: 'agent' });
  } catch (err) {
    if (err instanceof DestinationBusyError) throw new AgentRunningError(home, err.holder);
    throw err;
  }
}

/** The live agent of this data folder, if any (a lock left by a killed agent does not count). */
export function liveAgent(store: Store): LockHolder | undefined {
  const lock = listLocks(store).find((l) => l.destination === AGENT_LOCK_NAME);
  return lock && !staleReason(lock) ? lock : undefined;
}

/** Is the agent registered with the service manager on this machine (systemd unit / WinSW service)? */
export function serviceInstalled(platform: NodeJS.Platform = process.platform): boolean {
  if (platform === 'linux') return existsSync(join('/etc/systemd/system', `${SERVICE_NAME}.service`));
  if (platform === 'win32') return existsSync(join(process.env.ProgramFiles ?? 'C:\\Program Files', 'RosterSync', 'service', `${SERVICE_NAME}.exe`));
  return false;
}
