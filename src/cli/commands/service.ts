/**
 *   rostersync service install   [--print] [--dry-run] [--account USER] [--winsw EXE] [--platform linux|windows]
 *   rostersync service uninstall [--dry-run]
 *   rostersync service status
 * Registers `rostersync agent` with the operating system (systemd on Linux, WinSW on Windows) so
 * it runs at boot with nobody logged on. `--print` shows the definition without installing.
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join, relative, resolve, win32, isAbsolute } from 'node:path';
import { packageRoot } from '../../home/install.js';
import { DEFAULT_LINUX_ACCOUNT, DEFAULT_WINDOWS_ACCOUNT, packagedSpec, SERVICE_NAME, type ServiceSpec } from '../../service/definitions.js';
import { definitionFor, describeStep, executePlan, installPlan, PreflightError, serviceState, uninstallPlan, type PlatformPaths, type ServicePlatform } from '../../service/install.js';
import { openAgent, closeAgent } from '../../home/context.js';
import { homeLayout } from '../../home/layout.js';
import { getSourceDriver } from '../../sources/registry.js';
import { getDestinationDriver } from '../../destinations/registry.js';
import { listLocks, staleReason } from '../../scheduler/lock.js';
import { AGENT_LOCK_NAME } from '../../agent/agent-lock.js';
import { UsageError, type CliKit, type GlobalOptions } from '../cli-kit.js';

interface ServiceCliOptions {
  platform?: string;
  account?: string;
  node?: string;
  script?: string;
  serviceDir?: string;
  winsw?: string;
  keyFile?: string;
}

const hostPlatform = (): ServicePlatform | undefined => (process.platform === 'win32' ? 'windows' : process.platform === 'linux' ? 'linux' : undefined);

function pickPlatform(text: string | undefined): ServicePlatform {
  if (text === undefined) {
    const host = hostPlatform();
    if (!host) throw new UsageError(`Services are supported on Linux (systemd) and Windows (WinSW); this is ${process.platform}. Use --platform linux|windows with --print to see a definition.`);
    return host;
  }
  if (text !== 'linux' && text !== 'windows') throw new UsageError(`--platform is linux or windows; got "${text}".`);
  return text;
}

/** The service for this machine: this Node and this RosterSync, or a packaged install's paths when describing another platform. */
export function serviceSpecFor(platform: ServicePlatform, globals: GlobalOptions, o: ServiceCliOptions): ServiceSpec {
  const packaged = packagedSpec(platform);
  const native = platform === hostPlatform();
  const home = globals.home ?? process.env.ROSTERSYNC_HOME ?? (platform === 'windows' && native ? win32.join(process.env.ProgramData ?? 'C:\\ProgramData', 'RosterSync') : packaged.home);
  return {
    name: SERVICE_NAME,
    nodePath: o.node ?? (native ? process.execPath : packaged.nodePath),
    scriptPath: o.script ?? (native ? join(packageRoot(), 'bin', 'rostersync.js') : packaged.scriptPath),
    home: native ? resolve(home) : home,
    account: o.account ?? (platform === 'linux' ? DEFAULT_LINUX_ACCOUNT : DEFAULT_WINDOWS_ACCOUNT),
    ...(o.keyFile ? { keyFile: resolve(o.keyFile) } : {}),
    ...(native ? { writablePaths: configuredWritablePaths(resolve(home)) } : {}),
  };
}

/**
 * Folders outside the data folder this configuration writes: folder destinations' outboxes, and
 * export folders (with their archive folders) whose files are archived after a run. None when
 * the data folder has no store yet; run `service install` again after adding such a folder.
 */
function configuredWritablePaths(home: string): string[] {
  if (!existsSync(homeLayout(home).storePath)) return [];
  const ctx = openAgent(home);
  try {
    const paths = new Set<string>();
    for (const d of ctx.store.listDestinations()) {
      const driver = getDestinationDriver(d.type);
      const settings = driver.settingsSchema.safeParse(d.settings);
      if (settings.success) for (const p of driver.localWritePaths?.(settings.data) ?? []) paths.add(resolve(p));
    }
    for (const source of ctx.store.listSources()) {
      const driver = getSourceDriver(source.type);
      const settings = driver.settingsSchema.safeParse(source.settings);
      if (settings.success) for (const p of driver.localWritePaths?.(settings.data) ?? []) paths.add(resolve(p));
    }
    const inside = (p: string): boolean => {
      const rel = relative(home, p);
      return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
    };
    return [...paths].filter((p) => !inside(p)).sort();
  } finally {
    closeAgent(ctx);
  }
}

function pathsFor(platform: ServicePlatform, o: ServiceCliOptions): PlatformPaths {
  const native = platform === hostPlatform();
  return {
    unitDir: '/etc/systemd/system',
    serviceDir: o.serviceDir ?? (native && platform === 'windows' ? join(packageRoot(), 'service') : 'C:\\Program Files\\RosterSync\\service'),
  };
}

export function registerServiceCommands(program: Command, kit: CliKit): void {
  const { action, globals, print, io } = kit;
  const service = program.command('service').description('run the agent as a system service (systemd on Linux, WinSW on Windows)');
  const common = (cmd: Command): Command =>
    cmd
      .option('--platform <platform>', 'linux or windows (default: this machine); with --print, shows the other platform\'s definition')
      .option('--node <path>', 'Node.js executable the service runs (default: this one)')
      .option('--script <path>', 'bin/rostersync.js the service runs (default: this installation)')
      .option('--service-dir <dir>', 'Windows: folder for the WinSW executable and XML (default: <install>\\service)');

  common(
    service
      .command('install')
      .description('install and start the service; --print shows the definition without installing')
      .option('--print', 'print the service definition (systemd unit or WinSW XML) and install nothing')
      .option('--dry-run', 'list the files and commands install would write and run')
      .option('--account <user>', `account the service runs as (Linux default ${DEFAULT_LINUX_ACCOUNT}, created if missing; Windows default ${DEFAULT_WINDOWS_ACCOUNT}, or LocalSystem, NT AUTHORITY\\NetworkService, DOMAIN\\user, DOMAIN\\gmsa$)`)
      .option('--winsw <exe>', 'Windows: path of WinSW-x64.exe 2.12 (the wrapper that runs the agent as a service)')
      .option('--key-file <path>', 'Linux: the machine key kept outside the data folder (root-only), given to the service as a systemd credential'),
  ).action(
    action((cmd) => {
      const o = cmd.opts<ServiceCliOptions & { print?: boolean; dryRun?: boolean }>();
      const platform = pickPlatform(o.platform);
      const spec = serviceSpecFor(platform, globals(cmd), o);
      const paths = pathsFor(platform, o);
      if (o.print) {
        io.out(definitionFor(platform, spec));
        return 0;
      }
      const plan = installPlan(platform, spec, paths, o.winsw ?? process.env.ROSTERSYNC_WINSW);
      if (o.dryRun) {
        io.out(plan.map(describeStep).join('\n'));
        return 0;
      }
      if (platform !== hostPlatform()) throw new UsageError(`This machine is not ${platform}: use --print or --dry-run to see what would be installed there.`);
      if (spec.writablePaths?.length) io.err(`Folders outside the data folder the service may write: ${spec.writablePaths.join(', ')}`);
      try {
        executePlan(platform, plan, (line) => io.err(`  ${line}`));
      } catch (err) {
        // the machine does not fit (no systemd, no such account…): a configuration problem, and nothing was changed
        if (err instanceof PreflightError) throw new UsageError(err.message);
        throw err;
      }
      io.err(`Service ${spec.name} installed and started: it runs \`rostersync agent --home ${spec.home}\` as ${spec.account}. Check: rostersync service status`);
      return 0;
    }),
  );

  common(
    service
      .command('uninstall')
      .description('stop and remove the service (the data folder is kept)')
      .option('--dry-run', 'list the commands uninstall would run'),
  ).action(
    action((cmd) => {
      const o = cmd.opts<ServiceCliOptions & { dryRun?: boolean }>();
      const platform = pickPlatform(o.platform);
      const spec = serviceSpecFor(platform, globals(cmd), o);
      const plan = uninstallPlan(platform, spec, pathsFor(platform, o));
      if (o.dryRun) {
        io.out(plan.map(describeStep).join('\n'));
        return 0;
      }
      if (platform !== hostPlatform()) throw new UsageError(`This machine is not ${platform}: use --dry-run to see what would be removed there.`);
      executePlan(platform, plan, (line) => io.err(`  ${line}`));
      io.err(`Service ${spec.name} removed. The data folder ${spec.home} is kept.`);
      return 0;
    }),
  );

  common(service.command('status').description('is the service installed and running, and is an agent serving this data folder')).action(
    action((cmd) => {
      const o = cmd.opts<ServiceCliOptions>();
      const platform = pickPlatform(o.platform);
      const spec = serviceSpecFor(platform, globals(cmd), o);
      const state = serviceState(platform, spec, pathsFor(platform, o));
      let agent: { pid: number; host: string; since: string } | null = null;
      try {
        const ctx = openAgent(spec.home);
        try {
          const lock = listLocks(ctx.store).find((l) => l.destination === AGENT_LOCK_NAME);
          // A lock row outlives a killed agent: only a live holder counts as running.
          agent = lock && !staleReason(lock) ? { pid: lock.pid, host: lock.host, since: lock.acquiredAt } : null;
        } finally {
          closeAgent(ctx);
        }
      } catch {
        // the data folder is not readable by this user: the service state is still worth showing
      }
      print(globals(cmd), { service: spec.name, ...state, home: spec.home, agent }, () =>
        [
          `Service ${spec.name}: ${state.state}${state.enabled ? `, ${state.enabled} at boot` : ''}${state.pid ? `, pid ${state.pid}` : ''}`,
          `  ${state.detail}`,
          agent ? `Agent for ${spec.home}: running (pid ${agent.pid} on ${agent.host} since ${agent.since})` : `Agent for ${spec.home}: not running`,
        ].join('\n'),
      );
      return state.installed ? 0 : 1;
    }),
  );
}
