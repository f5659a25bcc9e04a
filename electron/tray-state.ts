/**
 * The tray icon and tooltip from the agent's dashboard (or from the fact that it cannot be
 * reached). Pure.
 */
import type { Dashboard } from '../src/shared/api.contract.js';

export type TrayIcon = 'ok' | 'failed' | 'held' | 'running' | 'idle' | 'offline';

export interface TrayState {
  readonly icon: TrayIcon;
  readonly tooltip: string;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

export function trayState(dashboard: Dashboard | undefined, unreachable?: string): TrayState {
  if (!dashboard) return { icon: 'offline', tooltip: `RosterSync: agent not reachable${unreachable ? ` (${unreachable})` : ''}` };
  const paused = dashboard.agent.scheduling === 'nobody' ? ' No agent runs: schedules do not run.' : dashboard.schedulesPaused ? ' Schedules paused.' : '';
  const by = (status: string): string[] => dashboard.destinations.filter((d) => d.status === status).map((d) => d.name);
  switch (dashboard.overall) {
    case 'running':
      return { icon: 'running', tooltip: `RosterSync: syncing ${by('running').join(', ')}.${paused}` };
    case 'failed':
      return { icon: 'failed', tooltip: `RosterSync: last sync failed for ${by('failed').join(', ')}.${paused}` };
    case 'held':
      return { icon: 'held', tooltip: `RosterSync: ${plural(dashboard.holds.length, 'run')} waiting for approval.${paused}` };
    case 'discarded':
      return { icon: 'ok', tooltip: `RosterSync: a held run was discarded for ${by('discarded').join(', ')}; the vendor keeps the previous data.${paused}` };
    case 'ok':
      return { icon: 'ok', tooltip: `RosterSync: ${plural(dashboard.destinations.filter((d) => d.enabled).length, 'destination')} up to date.${paused}` };
    case 'never':
    case 'disabled':
      return { icon: 'idle', tooltip: dashboard.destinations.length ? `RosterSync: no sync yet.${paused}` : 'RosterSync: no destination set up yet.' };
    default: {
      const unknown: never = dashboard.overall;
      return unknown;
    }
  }
}
