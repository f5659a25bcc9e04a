/**
 * Start-up decisions of the tray app, as pure functions: command-line flags, what a first and a
 * second instance do, where a notification click leads, and the Linux autostart entry
 * (app.setLoginItemSettings covers Windows and macOS only).
 */
import { APP_START_URL } from './ipc-guard.js';

export interface LaunchFlags {
  /** Data folder (`--home DIR` / `--home=DIR`); default ROSTERSYNC_HOME or the system folder. */
  readonly home?: string;
  /** Started at login: tray only, no window. */
  readonly hidden: boolean;
}

export const HIDDEN_FLAG = '--hidden';

export function parseLaunchFlags(argv: readonly string[]): LaunchFlags {
  let home: string | undefined;
  let hidden = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === HIDDEN_FLAG) hidden = true;
    else if (arg === '--home' && argv[i + 1]) home = argv[++i];
    else if (arg.startsWith('--home=')) home = arg.slice('--home='.length) || undefined;
  }
  return home === undefined ? { hidden } : { home, hidden };
}

export type StartupDecision = { readonly action: 'quit'; readonly reason: string } | { readonly action: 'start'; readonly showWindow: boolean };

/** The single-instance rule: without the lock another RosterSync runs; it is told to show itself and this one quits. */
export function decideStartup(gotLock: boolean, flags: LaunchFlags): StartupDecision {
  if (!gotLock) return { action: 'quit', reason: 'RosterSync is already running; its window was brought forward.' };
  return { action: 'start', showWindow: !flags.hidden };
}

/** A second launch (from the start menu while running in the tray) opens the window, unless it was a login start. */
export function onSecondInstance(argv: readonly string[]): 'show' | 'ignore' {
  return parseLaunchFlags(argv).hidden ? 'ignore' : 'show';
}

/** Where a notification about a run leads: that run in History. */
export function runPageUrl(runId: number): string {
  return `${APP_START_URL}#/history/${runId}`;
}

/** `~/.config/autostart/rostersync.desktop` for desktops following the XDG autostart spec. */
export function linuxAutostartEntry(execPath: string, args: readonly string[] = [HIDDEN_FLAG]): string {
  const quote = (s: string): string => (/[\s"'\\$`]/.test(s) ? `"${s.replace(/(["\\$`])/g, '\\$1')}"` : s);
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=RosterSync',
    'Comment=Roster sync status in the tray',
    `Exec=${[execPath, ...args].map(quote).join(' ')}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}
