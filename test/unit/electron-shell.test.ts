/**
 * The Electron shell's logic, without the Electron binary: IPC sender checks and navigation
 * rules, the window options factory, tray state, notification alerts, start-up decisions
 * (single instance, login start) and the bridge's call list against the API contract.
 */
import { describe, expect, it } from 'vitest';
import { API_CALL_NAMES, type Dashboard, type DashboardDestination, type HeldRun } from '../../src/shared/api.contract.js';
import type { RunStatus, RunSummary } from '../../src/shared/run.js';
import { API_CHANNEL, BRIDGE_CALL_NAMES, isIpcRequest } from '../../electron/ipc-contract.js';
import { APP_START_URL, isAppUrl, isExternalLink, isTrustedSender, mayNavigate } from '../../electron/ipc-guard.js';
import { secureWindowOptions, APP_CONTENT_SECURITY_POLICY } from '../../electron/window-options.js';
import { trayState } from '../../electron/tray-state.js';
import { newAlerts } from '../../electron/alerts.js';
import { decideStartup, linuxAutostartEntry, onSecondInstance, parseLaunchFlags, runPageUrl } from '../../electron/lifecycle.js';

describe('IPC bridge', () => {
  it('exposes exactly the contract calls through one channel', () => {
    expect([...BRIDGE_CALL_NAMES]).toEqual(API_CALL_NAMES);
    expect(API_CHANNEL).toBe('rostersync:api');
    expect(isIpcRequest({ name: 'getStatus', input: {} })).toBe(true);
    expect(isIpcRequest({ input: {} })).toBe(false);
    expect(isIpcRequest(null)).toBe(false);
  });

  it('trusts only frames showing the app itself', () => {
    expect(isTrustedSender('app://rostersync/index.html#/history/3')).toBe(true);
    expect(isTrustedSender(APP_START_URL)).toBe(true);
    expect(isTrustedSender('app://evil/index.html')).toBe(false);
    expect(isTrustedSender('app://user:pw@rostersync/index.html')).toBe(false);
    expect(isTrustedSender('https://rostersync/index.html')).toBe(false);
    expect(isTrustedSender('file:///opt/RosterSync/resources/app.asar/dist-renderer/index.html')).toBe(false);
    expect(isTrustedSender('http://127.0.0.1:8080/')).toBe(false);
    expect(isTrustedSender('devtools://devtools/bundled/inspector.html')).toBe(false);
    expect(isTrustedSender(undefined)).toBe(false);
    expect(isTrustedSender(null)).toBe(false);
    expect(isTrustedSender('not a url')).toBe(false);
  });

  it('allows in-app navigation only, and hands http(s) links to the system browser', () => {
    expect(mayNavigate('app://rostersync/index.html#/sources')).toBe(true);
    expect(mayNavigate('https://example.com/')).toBe(false);
    expect(mayNavigate('javascript:alert(1)')).toBe(false);
    expect(isAppUrl('app://rostersync/')).toBe(true);
    expect(isExternalLink('https://www.imsglobal.org/oneroster')).toBe(true);
    expect(isExternalLink('file:///etc/passwd')).toBe(false);
    expect(isExternalLink('smb://server/share')).toBe(false);
  });
});

describe('window options', () => {
  it('isolates and sandboxes every window, with only the preload bridge', () => {
    const options = secureWindowOptions({ preloadPath: '/app/dist/electron/preload.cjs' });
    expect(options.webPreferences).toMatchObject({
      preload: '/app/dist/electron/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
    });
    expect(options.show).toBe(false);
    expect(options.webPreferences?.preload).toMatch(/\.cjs$/);
  });

  it('sends a CSP that allows scripts from the app only', () => {
    expect(APP_CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(APP_CONTENT_SECURITY_POLICY).toContain("object-src 'none'");
    expect(APP_CONTENT_SECURITY_POLICY).not.toContain('unsafe-eval');
    expect(APP_CONTENT_SECURITY_POLICY).not.toContain('unsafe-inline');
  });
});

const run = (id: number, status: RunStatus, destination = 'vendor'): RunSummary => ({
  id,
  destination,
  trigger: 'schedule',
  status,
  dryRun: false,
  startedAt: '2026-03-01T02:00:00Z',
  endedAt: '2026-03-01T02:01:00Z',
  errors: 0,
  warnings: 0,
  rows: 10,
  message: status === 'failed' ? 'Delivery to vendor failed: connection refused' : null,
});

const destination = (name: string, status: DashboardDestination['status'], lastRun: RunSummary | null = null): DashboardDestination => ({
  name,
  enabled: true,
  type: 'sftp',
  format: 'oneroster-1.1',
  source: 'sis',
  status,
  lastRun,
  lastSuccess: null,
  nextRun: null,
  scheduleEnabled: true,
  incident: null,
});

const dashboard = (destinations: DashboardDestination[], holds: HeldRun[] = [], overall: Dashboard['overall'] = 'ok', schedulesPaused = false): Dashboard => ({
  destinations,
  holds,
  overall,
  schedulesPaused,
  notificationChannels: [],
  agent: { scheduling: 'here', pid: 4242, runningSince: '2026-09-01T00:00:00.000Z', schedulesPaused, serviceInstalled: false, version: '1.0.0' },
});

describe('tray state', () => {
  it('shows the overall state with a short tooltip', () => {
    expect(trayState(undefined, 'connection refused')).toEqual({ icon: 'offline', tooltip: 'RosterSync: agent not reachable (connection refused)' });
    expect(trayState(dashboard([destination('a', 'ok'), destination('b', 'ok')])).tooltip).toBe('RosterSync: 2 destinations up to date.');
    expect(trayState(dashboard([destination('a', 'failed'), destination('b', 'ok')], [], 'failed'))).toEqual({ icon: 'failed', tooltip: 'RosterSync: last sync failed for a.' });
    const held = dashboard([destination('a', 'held')], [{ run: run(4, 'held', 'a'), holdReasons: ['x'], diff: [] }], 'held');
    expect(trayState(held)).toEqual({ icon: 'held', tooltip: 'RosterSync: 1 run waiting for approval.' });
    expect(trayState(dashboard([destination('a', 'running')], [], 'running')).icon).toBe('running');
    expect(trayState(dashboard([], [], 'never'))).toEqual({ icon: 'idle', tooltip: 'RosterSync: no destination set up yet.' });
    expect(trayState(dashboard([destination('a', 'ok')], [], 'ok', true)).tooltip).toContain('Schedules paused.');
  });
});

describe('notification alerts', () => {
  it('says nothing on the first poll', () => {
    expect(newAlerts(undefined, dashboard([destination('a', 'failed', run(3, 'failed', 'a'))], [], 'failed'))).toEqual([]);
  });

  it('announces a newly failed run and a new hold once', () => {
    const before = dashboard([destination('a', 'running', run(3, 'running', 'a')), destination('b', 'ok', run(2, 'success', 'b'))]);
    const after = dashboard(
      [destination('a', 'failed', run(3, 'failed', 'a')), destination('b', 'held', run(5, 'held', 'b'))],
      [{ run: run(5, 'held', 'b'), holdReasons: ['users.csv: 40% of records would be removed.'], diff: [] }],
      'failed',
    );
    expect(newAlerts(before, after)).toEqual([
      { key: 'failed:3', title: 'RosterSync: a failed', body: 'Delivery to vendor failed: connection refused', runId: 3 },
      { key: 'held:5', title: 'RosterSync: b needs approval', body: 'users.csv: 40% of records would be removed.', runId: 5 },
    ]);
    expect(newAlerts(after, after)).toEqual([]);
  });
});

describe('start-up', () => {
  it('reads --home and --hidden', () => {
    expect(parseLaunchFlags(['--home', '/srv/rs', '--hidden'])).toEqual({ home: '/srv/rs', hidden: true });
    expect(parseLaunchFlags(['--home=/data'])).toEqual({ home: '/data', hidden: false });
    expect(parseLaunchFlags([])).toEqual({ hidden: false });
  });

  it('keeps a single instance: a second launch quits and shows the first one', () => {
    expect(decideStartup(false, { hidden: false })).toMatchObject({ action: 'quit' });
    expect(decideStartup(true, { hidden: false })).toEqual({ action: 'start', showWindow: true });
    expect(decideStartup(true, { hidden: true })).toEqual({ action: 'start', showWindow: false });
    expect(onSecondInstance(['/opt/RosterSync/rostersync'])).toBe('show');
    expect(onSecondInstance(['/opt/RosterSync/rostersync', '--hidden'])).toBe('ignore');
  });

  it('opens a run from a notification and writes a Linux autostart entry', () => {
    expect(runPageUrl(12)).toBe('app://rostersync/index.html#/history/12');
    const entry = linuxAutostartEntry('/opt/Roster Sync/rostersync');
    expect(entry).toContain('Exec="/opt/Roster Sync/rostersync" --hidden\n');
    expect(entry).toMatch(/^\[Desktop Entry\]\nType=Application\n/);
  });
});
