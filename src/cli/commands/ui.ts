/**
 * `rostersync ui [--port N]`: the admin GUI and its API on 127.0.0.1, with a printed login URL (the
 * API key travels in the URL fragment, which browsers never send to a server). For servers without
 * a desktop session: open the URL through an SSH tunnel (`ssh -L 8765:127.0.0.1:8765 server`).
 *
 * One agent per data folder (src/agent/agent-lock.ts): when no agent runs, this command IS the
 * agent — scheduler, export-folder watchers and the API, exactly like `rostersync agent` — until
 * Ctrl+C / SIGTERM. When an agent already runs (the service, `rostersync agent`, another `ui`), it
 * attaches: it prints that agent's login URL and exits, so two processes never both schedule.
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AgentRunningError, startDaemon, type AgentDaemon, type LogLevel } from '../../agent/daemon.js';
import { homeLayout, resolveHome } from '../../home/layout.js';
import { readApiInfo, type ApiInfo } from '../../home/api-info.js';
import { readApiKey } from '../../home/api-key.js';
import { defaultStaticDir } from '../../home/install.js';
import { UsageError, untilStopSignal, type CliKit, type GlobalOptions } from '../cli-kit.js';

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port is a whole number from 0 (any free port) to 65535; got "${text}".`);
  return port;
}

export interface UiOptions {
  readonly port?: number;
  readonly renderer?: string;
}

/** How long a `ui` that lost the race for the agent lock waits for the winner to advertise its API. */
const ATTACH_WAIT_MS = 30_000;

async function advertisedApi(home: string, waitMs: number): Promise<ApiInfo | undefined> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const info = readApiInfo(home);
    if (info || Date.now() >= deadline) return info;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Prints the running agent's login URL (exit 0), or says why this process cannot attach to it (exit 1). */
function attach(kit: CliKit, opts: GlobalOptions, home: string, running: ApiInfo | undefined, holderPid: number | undefined): number {
  const key = readApiKey(home);
  if (!running || !key) {
    const why = !running
      ? `runs without its local API (started with --no-api), so there is no GUI to open. Restart it without --no-api.`
      : `serves the GUI, but this account cannot read its key in ${home}/api.key.`;
    kit.io.err(`The RosterSync agent for ${home} (process ${running?.pid ?? holderPid ?? '?'}) ${why}`);
    return 1;
  }
  const loginUrl = `${running.url}/#key=${encodeURIComponent(key)}`;
  kit.print(opts, { url: running.url, loginUrl, port: running.port, pid: running.pid, started: false }, () =>
    `The RosterSync agent (process ${running.pid}) already runs for this data folder and serves the GUI. Open:\n${loginUrl}`,
  );
  return 0;
}

/**
 * Runs the agent with the GUI until `until` settles (SIGINT/SIGTERM for the command), or attaches
 * to the agent that already runs for the data folder. Returns the exit code.
 */
export async function serveUi(kit: CliKit, opts: GlobalOptions, ui: UiOptions, until: () => Promise<unknown>): Promise<number> {
  const home = homeLayout(resolveHome(opts.home)).home;
  const running = readApiInfo(home);
  if (running) return attach(kit, opts, home, running, running.pid);
  const guiBuilt = existsSync(join(ui.renderer ?? defaultStaticDir(), 'index.html'));
  if (!guiBuilt && ui.renderer) throw new UsageError(`--renderer ${ui.renderer}: no built GUI there (${join(resolve(ui.renderer), 'index.html')} is missing).`);
  let daemon: AgentDaemon;
  try {
    const log = (level: LogLevel, message: string): void => {
      if (level !== 'info' || !opts.json) kit.io.err(message);
    };
    daemon = await startDaemon({ home: opts.home, apiPort: ui.port ?? 0, staticDir: ui.renderer, log });
  } catch (err) {
    // Another process took the data folder first: it is the agent; attach to it.
    if (err instanceof AgentRunningError) return attach(kit, opts, home, await advertisedApi(home, ATTACH_WAIT_MS), err.holder.pid);
    throw err;
  }
  try {
    const server = daemon.api!;
    kit.print(opts, { url: server.url, loginUrl: server.loginUrl, port: server.port, pid: process.pid, started: true }, () =>
      `RosterSync agent and admin GUI: open this address in a browser on this machine:\n${server.loginUrl}`,
    );
    if (!opts.json) kit.io.err('The link contains the access key: do not share it. Schedules run while this command runs. Press Ctrl+C to stop.');
    // Only the default folder gets here unbuilt (a named --renderer without a GUI was refused above).
    if (!guiBuilt) kit.io.err(`The GUI is not built (${join(defaultStaticDir(), 'index.html')} is missing): the address shows only a notice until you run "npm run build:renderer" (npm run demo does it too) and reload.`);
    await until();
  } finally {
    await daemon.stop('the ui command stopped');
  }
  return 0;
}

export function registerUiCommands(program: Command, kit: CliKit): void {
  program
    .command('ui')
    .description('run the agent with the admin GUI on 127.0.0.1 and print its login URL (or open the running agent\'s); runs until Ctrl+C')
    .option('--port <n>', 'port to listen on (0 or none: a free one)', parsePort)
    .option('--renderer <dir>', 'folder of the built GUI (default: dist-renderer/ of this installation)')
    .action(kit.action((cmd) => serveUi(kit, kit.globals(cmd), cmd.opts<UiOptions>(), untilStopSignal)));
}
