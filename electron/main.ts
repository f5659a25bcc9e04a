/**
 * The RosterSync tray app (Electron main process). A CLIENT of the agent: it finds the running
 * agent through `<home>/api.json` (a service, or an agent started earlier), or starts one itself
 * on a desktop where no service runs. It shows the last result in the tray, raises native
 * notifications on failures and holds, and opens the admin GUI (renderer/) in one hardened window
 * whose `window.api` (preload bridge) forwards every call through main to the agent's API.
 *
 * Logic lives in small pure modules (tray-state, alerts, lifecycle, window-options, ipc-guard,
 * agent-client, icon-art) that are unit-tested without the Electron binary; this file wires them
 * to Electron and is the only one (with preload.ts) importing 'electron' at run time.
 */
import { app, BrowserWindow, ipcMain, Menu, nativeImage, net, Notification, protocol, session, shell, Tray, type MenuItemConstructorOptions, type NativeImage } from 'electron';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { resolveHome } from '../src/home/layout.js';
import { resolveStaticPath } from '../src/home/install.js';
import { readApiKey } from '../src/home/api-key.js';
import type { Dashboard } from '../src/shared/api.contract.js';
import { AgentClient, agentEntryExists, agentSpawnSpec, findRunningAgent, waitForAgent } from './agent-client.js';
import { newAlerts, type Alert } from './alerts.js';
import { appIconPng, trayIconPng } from './icon-art.js';
import { API_CHANNEL, LIVE_CHANNEL, LIVE_STATE_CHANNEL, type IpcAnswer, type LiveMessage } from './ipc-contract.js';
import type { LiveFeedState } from '../src/shared/live-feed.js';
import { APP_HOST, APP_SCHEME, APP_START_URL, isExternalLink, isTrustedSender, mayNavigate } from './ipc-guard.js';
import { decideStartup, HIDDEN_FLAG, linuxAutostartEntry, onSecondInstance, parseLaunchFlags, runPageUrl } from './lifecycle.js';
import { trayState, type TrayIcon } from './tray-state.js';
import { APP_CONTENT_SECURITY_POLICY, secureWindowOptions } from './window-options.js';

const POLL_MS = 5000;
const here = dirname(fileURLToPath(import.meta.url)); // dist/electron
const appRoot = app.getAppPath(); // the folder (or app.asar) holding package.json
const rendererDir = join(appRoot, 'dist-renderer');
const preloadPath = join(here, 'preload.cjs');
const flags = parseLaunchFlags(process.argv.slice(1));
const home = resolveHome(flags.home);

let tray: Tray | undefined;
let window: BrowserWindow | undefined;
let client: AgentClient | undefined;
let agentProblem: string | undefined;
let agentChild: ChildProcess | undefined;
let lastDashboard: Dashboard | undefined;
let pollTimer: NodeJS.Timeout | undefined;
let liveState: LiveFeedState = 'connecting';
let stopLive: (() => void) | undefined;
let quitting = false;

// Must happen before `ready`: app:// behaves like https (standard, secure), so ES modules load and
// the renderer has a real origin to check IPC senders against.
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true } }]);

const decision = decideStartup(app.requestSingleInstanceLock(), flags);
if (decision.action === 'quit') {
  app.quit();
} else {
  app.on('second-instance', (_event, argv) => {
    if (onSecondInstance(argv) === 'show') showWindow();
  });
  app.on('window-all-closed', () => {
    // Closing the window keeps RosterSync in the tray.
  });
  app.on('before-quit', () => {
    quitting = true;
  });
  app.on('will-quit', (event) => {
    if (!agentChild) return;
    event.preventDefault();
    void stopAgent().finally(() => app.exit(0));
  });
  app.on('web-contents-created', (_event, contents) => hardenContents(contents));
  void app.whenReady().then(() => start(decision.showWindow));
}

async function start(showAtStart: boolean): Promise<void> {
  // No page may use the camera, notifications API, geolocation, USB… — the GUI needs none.
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  protocol.handle(APP_SCHEME, serveAppFile);
  ipcMain.handle(API_CHANNEL, async (event, request: unknown): Promise<IpcAnswer> => {
    if (!isTrustedSender(event.senderFrame?.url)) {
      return { ok: false, error: { code: 'forbidden', message: 'Only RosterSync pages may call the agent.' } };
    }
    if (!client) return { ok: false, error: { code: 'network', message: agentProblem ?? 'The RosterSync agent is starting; try again in a moment.' } };
    return client.forward(request);
  });
  ipcMain.handle(LIVE_STATE_CHANNEL, (event): LiveFeedState => (isTrustedSender(event.senderFrame?.url) ? liveState : 'reconnecting'));
  Menu.setApplicationMenu(null);
  tray = new Tray(trayImage('offline'));
  tray.on('click', () => showWindow());
  updateTray();
  setUpLoginItem();
  if (showAtStart) showWindow();
  await connectAgent();
  followLiveEvents();
  await poll();
  pollTimer = setInterval(() => void poll(), POLL_MS);
}

// ---- the agent ------------------------------------------------------------------------------

async function connectAgent(): Promise<void> {
  const found = findRunningAgent(home);
  if (found.kind === 'found') {
    client = new AgentClient(found.endpoint, () => readApiKey(home));
    return;
  }
  if (found.kind === 'no-key') {
    agentProblem = found.message;
    return;
  }
  // No agent runs for this data folder: start `rostersync agent` (the daemon with the scheduler)
  // with Electron's own Node, and wait for it to advertise its API.
  if (agentEntryExists(appRoot)) {
    const spec = agentSpawnSpec({ execPath: process.execPath, appRoot, home });
    const child = spawn(spec.command, [...spec.args], { env: { ...process.env, ...spec.env }, stdio: 'ignore', windowsHide: true });
    let exited = false;
    child.once('exit', () => (exited = true));
    child.once('error', () => (exited = true));
    const started = await waitForAgent(home, { timeoutMs: 30_000, stopped: () => exited });
    if (started.kind === 'found') {
      agentChild = child;
      client = new AgentClient({ ...started.endpoint, via: 'spawned' }, () => readApiKey(home));
      return;
    }
    if (!exited) child.kill();
    // The child lost the data folder to an agent started meanwhile (a service, `rostersync ui`): attach to that one.
    const other = await waitForAgent(home, { timeoutMs: 10_000 });
    if (other.kind === 'found') {
      client = new AgentClient(other.endpoint, () => readApiKey(home));
      return;
    }
  }
  // No in-process fallback: an API without the scheduler would show schedules that nothing runs.
  agentProblem = agentEntryExists(appRoot)
    ? `The RosterSync agent could not be started for ${home} (\`rostersync agent --home ${home}\` stopped or did not advertise its API within 30 s). Start it, or install it as a service, and reopen RosterSync.`
    : `This RosterSync build has no agent (${join(appRoot, 'bin', 'rostersync.js')} is missing): reinstall RosterSync.`;
}

/**
 * Streams the agent's run events: each is pushed to the window (its screens update themselves), and
 * a run starting or ending refreshes the tray at once instead of at the next poll.
 */
function followLiveEvents(): void {
  if (!client) return;
  const send = (message: LiveMessage): void => {
    if (window && !window.isDestroyed()) window.webContents.send(LIVE_CHANNEL, message);
  };
  stopLive = client.liveFeed().subscribe(
    (event) => {
      send({ kind: 'event', event });
      if (event.type === 'run-started' || event.type === 'run-finished') void poll();
    },
    (state) => {
      liveState = state;
      send({ kind: 'state', state });
    },
  );
}

async function stopAgent(): Promise<void> {
  stopLive?.();
  if (pollTimer) clearInterval(pollTimer);
  const child = agentChild;
  agentChild = undefined;
  if (child && child.exitCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
  }
}

async function poll(): Promise<void> {
  if (!client) return updateTray(undefined, agentProblem);
  try {
    const dashboard = await client.call('getDashboard', {});
    for (const alert of newAlerts(lastDashboard, dashboard)) notify(alert);
    lastDashboard = dashboard;
    updateTray(dashboard);
  } catch (err) {
    lastDashboard = undefined;
    updateTray(undefined, err instanceof Error ? err.message : String(err));
  }
}

// ---- tray, menu, notifications --------------------------------------------------------------

function trayImage(icon: TrayIcon): NativeImage {
  const image = nativeImage.createFromBuffer(trayIconPng(icon, 16), { scaleFactor: 1 });
  image.addRepresentation({ scaleFactor: 2, buffer: trayIconPng(icon, 32) });
  return image;
}

function updateTray(dashboard: Dashboard | undefined = lastDashboard, problem?: string): void {
  if (!tray) return;
  const state = trayState(dashboard, problem);
  tray.setImage(trayImage(state.icon));
  tray.setToolTip(state.tooltip);
  tray.setContextMenu(Menu.buildFromTemplate(trayMenu(dashboard)));
}

function trayMenu(dashboard: Dashboard | undefined): MenuItemConstructorOptions[] {
  const enabled = dashboard?.destinations.filter((d) => d.enabled) ?? [];
  return [
    { label: 'Sync now', enabled: Boolean(client) && enabled.length > 0, click: () => void syncAll(enabled.map((d) => d.name)) },
    { label: 'Open RosterSync', click: () => showWindow() },
    { type: 'separator' },
    {
      label: 'Pause schedules',
      type: 'checkbox',
      checked: dashboard?.schedulesPaused ?? false,
      enabled: Boolean(client),
      click: (item) => void setPaused(item.checked),
    },
    {
      label: 'Start at login',
      type: 'checkbox',
      checked: loginItemEnabled(),
      click: (item) => setLoginItem(item.checked),
    },
    { type: 'separator' },
    { label: 'Quit RosterSync', click: () => app.quit() },
  ];
}

async function syncAll(destinations: readonly string[]): Promise<void> {
  if (!client) return;
  const problems: string[] = [];
  for (const destination of destinations) {
    try {
      await client.call('syncNow', { destination });
    } catch (err) {
      problems.push(err instanceof Error ? err.message : String(err));
    }
  }
  if (problems.length) showNotification('RosterSync: sync not started', problems.join('\n'));
  await poll();
}

async function setPaused(paused: boolean): Promise<void> {
  if (!client) return;
  try {
    await client.call(paused ? 'pauseSchedules' : 'resumeSchedules', {});
  } catch (err) {
    showNotification('RosterSync: schedules', err instanceof Error ? err.message : String(err));
  }
  await poll();
}

function notify(alert: Alert): void {
  showNotification(alert.title, alert.body, () => showWindow(runPageUrl(alert.runId)));
}

function showNotification(title: string, body: string, onClick?: () => void): void {
  if (!Notification.isSupported()) return;
  const notification = new Notification({ title, body, icon: nativeImage.createFromBuffer(appIconPng(64)) });
  if (onClick) notification.on('click', onClick);
  notification.show();
}

// ---- launch at login ------------------------------------------------------------------------

const linuxAutostartPath = (): string => join(app.getPath('appData'), 'autostart', 'rostersync.desktop');

function loginItemEnabled(): boolean {
  if (process.platform === 'linux') return existsSync(linuxAutostartPath());
  return app.getLoginItemSettings().openAtLogin;
}

function setLoginItem(enabled: boolean): void {
  if (process.platform === 'linux') {
    const path = linuxAutostartPath();
    if (enabled) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, linuxAutostartEntry(process.env.APPIMAGE ?? process.execPath));
    } else if (existsSync(path)) {
      writeFileSync(path, linuxAutostartEntry(process.env.APPIMAGE ?? process.execPath).replace('X-GNOME-Autostart-enabled=true', 'Hidden=true'));
    }
    return;
  }
  app.setLoginItemSettings({ openAtLogin: enabled, args: [HIDDEN_FLAG] });
}

/** On the first run of an installed app, start at login (the admin can switch it off in the tray menu). */
function setUpLoginItem(): void {
  if (!app.isPackaged) return;
  const marker = join(app.getPath('userData'), 'login-item-configured');
  if (existsSync(marker)) return;
  setLoginItem(true);
  mkdirSync(dirname(marker), { recursive: true });
  writeFileSync(marker, new Date().toISOString());
}

// ---- the window -----------------------------------------------------------------------------

function showWindow(url: string = APP_START_URL): void {
  if (!window || window.isDestroyed()) window = createWindow();
  if (url !== APP_START_URL || window.webContents.getURL() === '') void window.loadURL(url);
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
}

/** The one window factory: options from window-options.ts; closing hides to the tray. */
function createWindow(): BrowserWindow {
  const win = new BrowserWindow({ ...secureWindowOptions({ preloadPath }), icon: nativeImage.createFromBuffer(appIconPng(256)) });
  win.once('ready-to-show', () => win.show());
  win.on('close', (event) => {
    if (quitting) return;
    event.preventDefault();
    win.hide();
  });
  return win;
}

/** Every web contents (windows, and anything a page might try to open): no new windows, no navigation away, no webviews. */
function hardenContents(contents: Electron.WebContents): void {
  contents.setWindowOpenHandler(({ url }) => {
    if (isExternalLink(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event) => {
    if (!mayNavigate(event.url)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    if (!mayNavigate(event.url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/** app://rostersync/… → a file of dist-renderer/ (client-side routes get index.html), with the CSP. */
async function serveAppFile(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.host !== APP_HOST) return new Response('Not found', { status: 404 });
  const path = url.pathname === '/' ? '/index.html' : url.pathname;
  let file = resolveStaticPath(rendererDir, path);
  if (file && !(existsSync(file) && statSync(file).isFile())) file = extname(path) ? undefined : join(rendererDir, 'index.html');
  if (!file || !existsSync(file)) return new Response('Not found', { status: 404 });
  const response = await net.fetch(pathToFileURL(file).toString());
  const headers = new Headers(response.headers);
  headers.set('Content-Security-Policy', APP_CONTENT_SECURITY_POLICY);
  headers.set('X-Content-Type-Options', 'nosniff');
  return new Response(response.body, { status: response.status, headers });
}
