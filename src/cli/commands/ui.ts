/**
 * `rostersync ui [--port N]`: serves the admin GUI and its API on 127.0.0.1 and prints a login
 * URL (the API key travels in the URL fragment, which browsers never send to a server). For
 * servers without a desktop session: open the URL through an SSH tunnel
 * (`ssh -L 8765:127.0.0.1:8765 server`). Runs until Ctrl+C / SIGTERM.
 *
 * When an agent in the same data folder already serves the API (see `<home>/api.json`) and no
 * --port is asked for, its login URL is printed instead of starting a second server.
 */
import type { Command } from 'commander';
import { closeAgent, openAgent } from '../../home/context.js';
import { readApiInfo, defaultStaticDir } from '../../home/api-info.js';
import { readApiKey } from '../../home/api-key.js';
import { startApiServer } from '../../api/server.js';
import { recoverInterruptedPublishes } from '../../pipeline/publish-journal.js';
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

/**
 * Serves the GUI until `until` settles (SIGINT/SIGTERM for the command), or prints the login URL
 * of the agent that already serves it. Returns the exit code.
 */
export async function serveUi(kit: CliKit, opts: GlobalOptions, ui: UiOptions, until: () => Promise<unknown>): Promise<number> {
  const ctx = openAgent(opts.home);
  try {
    if (ui.port === undefined) {
      const running = readApiInfo(ctx.layout.home);
      const key = readApiKey(ctx.layout.home);
      if (running && key) {
        const loginUrl = `${running.url}/#key=${encodeURIComponent(key)}`;
        kit.print(opts, { url: running.url, loginUrl, port: running.port, pid: running.pid, started: false }, () =>
          `The RosterSync agent (process ${running.pid}) already serves the GUI. Open:\n${loginUrl}`,
        );
        return 0;
      }
    }
    await recoverInterruptedPublishes(ctx, ctx.store.failInterruptedRuns(), (level, message) => kit.io.err(message));
    const server = await startApiServer(ctx, { port: ui.port ?? 0, host: '127.0.0.1', staticDir: ui.renderer ?? defaultStaticDir() });
    try {
      kit.print(opts, { url: server.url, loginUrl: server.loginUrl, port: server.port, pid: process.pid, started: true }, () =>
        `RosterSync admin GUI: open this address in a browser on this machine:\n${server.loginUrl}`,
      );
      if (!opts.json) kit.io.err('The link contains the access key: do not share it. Press Ctrl+C to stop.');
      await until();
    } finally {
      await server.close();
    }
    return 0;
  } finally {
    closeAgent(ctx);
  }
}

export function registerUiCommands(program: Command, kit: CliKit): void {
  program
    .command('ui')
    .description('serve the admin GUI on 127.0.0.1 and print its login URL (runs until Ctrl+C)')
    .option('--port <n>', 'port to listen on (0 or none: a free one)', parsePort)
    .option('--renderer <dir>', 'folder of the built GUI (default: dist-renderer/ of this installation)')
    .action(kit.action((cmd) => serveUi(kit, kit.globals(cmd), cmd.opts<UiOptions>(), untilStopSignal)));
}
