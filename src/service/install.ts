/**
 * Registering the agent with the operating system. Each operation is first a plan — the files
 * it writes and the commands it runs, printable with `--dry-run` — then executed step by step.
 *
 * Linux (systemd): a system user (created when it is the default `rostersync`), the data folder
 * owned by it (0750), /etc/systemd/system/<name>.service, `systemctl enable --now`.
 * Windows (WinSW 2.x): the WinSW executable copied next to its XML as <name>.exe in the service
 * folder, the data folder granted to the service account, `<name>.exe install` (with `/p` when
 * the account has a password, which WinSW asks for and hands to Windows) and `start`.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join, win32 } from 'node:path';
import { parseWindowsAccount, renderSystemdUnit, renderWinswXml, WINSW_DOWNLOAD, WINSW_VERSION, DEFAULT_LINUX_ACCOUNT, type ServiceSpec } from './definitions.js';

export type ServicePlatform = 'linux' | 'windows';

export type PlanStep =
  | { readonly kind: 'require-admin' }
  /** Everything the later steps need, checked before any of them changes the system. */
  | { readonly kind: 'preflight'; readonly checks: readonly PreflightCheck[] }
  | { readonly kind: 'ensure-user'; readonly user: string; readonly home: string; readonly create: boolean }
  | { readonly kind: 'mkdir'; readonly path: string; readonly owner?: string; readonly mode?: number }
  | { readonly kind: 'write'; readonly path: string; readonly content: string; readonly mode: number }
  | { readonly kind: 'copy'; readonly from: string; readonly to: string }
  | { readonly kind: 'remove'; readonly path: string }
  | { readonly kind: 'run'; readonly command: string; readonly args: readonly string[]; readonly interactive?: boolean; readonly allowFailure?: boolean };

/** One thing that must hold before installing; `problem` says what is wrong and what to do. */
export type PreflightCheck =
  | { readonly kind: 'systemd-running'; readonly runDir: string }
  | { readonly kind: 'command'; readonly command: string; readonly why: string }
  | { readonly kind: 'file'; readonly path: string; readonly why: string }
  | { readonly kind: 'account'; readonly user: string; readonly create: boolean };

export interface PlatformPaths {
  /** Linux: where the unit goes. */
  readonly unitDir: string;
  /** Linux: present when systemd is the running init system (default /run/systemd/system). */
  readonly systemdRunDir?: string;
  /** Windows: folder holding <name>.exe (WinSW) and <name>.xml. */
  readonly serviceDir: string;
}

export function unitPath(spec: ServiceSpec, paths: PlatformPaths): string {
  return join(paths.unitDir, `${spec.name}.service`);
}

export function definitionFor(platform: ServicePlatform, spec: ServiceSpec): string {
  switch (platform) {
    case 'linux':
      return renderSystemdUnit(spec);
    case 'windows':
      return renderWinswXml(spec);
    default: {
      const never: never = platform;
      throw new Error(`Unsupported platform ${String(never)}`);
    }
  }
}

export function installPlan(platform: ServicePlatform, spec: ServiceSpec, paths: PlatformPaths, winswExe?: string): PlanStep[] {
  switch (platform) {
    case 'linux':
      return [
        { kind: 'require-admin' },
        {
          kind: 'preflight',
          checks: [
            { kind: 'systemd-running', runDir: paths.systemdRunDir ?? '/run/systemd/system' },
            { kind: 'command', command: 'systemctl', why: 'to register and start the unit' },
            { kind: 'file', path: spec.nodePath, why: 'the Node.js the service runs' },
            { kind: 'file', path: spec.scriptPath, why: 'the RosterSync the service runs' },
            ...(spec.keyFile ? [{ kind: 'file' as const, path: spec.keyFile, why: 'the machine key handed to the service' }] : []),
            { kind: 'account', user: spec.account, create: spec.account === DEFAULT_LINUX_ACCOUNT },
          ],
        },
        { kind: 'ensure-user', user: spec.account, home: spec.home, create: spec.account === DEFAULT_LINUX_ACCOUNT },
        { kind: 'mkdir', path: spec.home, owner: spec.account, mode: 0o750 },
        { kind: 'write', path: unitPath(spec, paths), content: renderSystemdUnit(spec), mode: 0o644 },
        { kind: 'run', command: 'systemctl', args: ['daemon-reload'] },
        { kind: 'run', command: 'systemctl', args: ['enable', '--now', `${spec.name}.service`] },
      ];
    case 'windows': {
      if (!winswExe) {
        throw new Error(
          `Installing the Windows service needs WinSW ${WINSW_VERSION} (the service wrapper node-windows also ships). Download ${WINSW_DOWNLOAD} and run again with --winsw <path to WinSW-x64.exe>.`,
        );
      }
      const account = parseWindowsAccount(spec.account);
      const exe = win32.join(paths.serviceDir, `${spec.name}.exe`);
      const steps: PlanStep[] = [
        { kind: 'require-admin' },
        { kind: 'preflight', checks: [{ kind: 'file', path: winswExe, why: `WinSW ${WINSW_VERSION}, the service wrapper` }, { kind: 'file', path: spec.scriptPath, why: 'the RosterSync the service runs' }] },
        { kind: 'mkdir', path: paths.serviceDir },
        { kind: 'copy', from: winswExe, to: exe },
        { kind: 'write', path: win32.join(paths.serviceDir, `${spec.name}.xml`), content: renderWinswXml(spec), mode: 0o644 },
        { kind: 'mkdir', path: spec.home },
        { kind: 'mkdir', path: spec.logDir ?? win32.join(spec.home, 'logs') },
      ];
      // The data folder holds machine.key and the store: ProgramData lets every local user read its
      // subfolders, so inheritance is cut and only SYSTEM, Administrators (by SID, whatever the
      // language of Windows) and the service account keep access; the service account may change it.
      const serviceAccount = account.user === null ? [] : [`${account.domain === '.' ? '' : `${account.domain}\\`}${account.user}:(OI)(CI)M`];
      steps.push({ kind: 'run', command: 'icacls', args: [spec.home, '/inheritance:r', '/grant:r', '*S-1-5-18:(OI)(CI)F', '*S-1-5-32-544:(OI)(CI)F', ...serviceAccount, '/T', '/Q'] });
      // outboxes and archived export folders: the service account may write there (UNC shares need a domain account or gMSA, see README)
      for (const path of serviceAccount.length ? (spec.writablePaths ?? []) : []) steps.push({ kind: 'run', command: 'icacls', args: [path, '/grant', serviceAccount[0]!, '/Q'] });
      steps.push(
        { kind: 'run', command: exe, args: account.needsPassword ? ['install', '/p'] : ['install'], interactive: account.needsPassword },
        { kind: 'run', command: exe, args: ['start'] },
      );
      return steps;
    }
    default: {
      const never: never = platform;
      throw new Error(`Unsupported platform ${String(never)}`);
    }
  }
}

export function uninstallPlan(platform: ServicePlatform, spec: ServiceSpec, paths: PlatformPaths): PlanStep[] {
  switch (platform) {
    case 'linux':
      return [
        { kind: 'require-admin' },
        { kind: 'run', command: 'systemctl', args: ['disable', '--now', `${spec.name}.service`], allowFailure: true },
        { kind: 'remove', path: unitPath(spec, paths) },
        { kind: 'run', command: 'systemctl', args: ['daemon-reload'] },
      ];
    case 'windows': {
      const exe = win32.join(paths.serviceDir, `${spec.name}.exe`);
      return [
        { kind: 'require-admin' },
        { kind: 'run', command: exe, args: ['stop'], allowFailure: true },
        { kind: 'run', command: exe, args: ['uninstall'] },
        { kind: 'remove', path: win32.join(paths.serviceDir, `${spec.name}.xml`) },
        { kind: 'remove', path: exe },
      ];
    }
    default: {
      const never: never = platform;
      throw new Error(`Unsupported platform ${String(never)}`);
    }
  }
}

/** One line per step, for `--dry-run`. */
export function describeStep(step: PlanStep): string {
  switch (step.kind) {
    case 'require-admin':
      return 'check: running as an administrator (root / elevated)';
    case 'preflight':
      return `check before changing anything: ${step.checks.map(describeCheck).join('; ')}`;
    case 'ensure-user':
      return step.create ? `user: ${step.user} (system account, no login shell; created if missing)` : `user: ${step.user} (must exist)`;
    case 'mkdir':
      return `folder: ${step.path}${step.owner ? ` owned by ${step.owner}` : ''}${step.mode !== undefined ? ` mode ${step.mode.toString(8)}` : ''}`;
    case 'write':
      return `write: ${step.path} (${step.content.length} bytes)`;
    case 'copy':
      return `copy: ${step.from} → ${step.to}`;
    case 'remove':
      return `remove: ${step.path}`;
    case 'run':
      return `run: ${[step.command, ...step.args].join(' ')}${step.interactive ? '   (asks for the account password)' : ''}`;
    default: {
      const never: never = step;
      throw new Error(`Unknown step ${JSON.stringify(never)}`);
    }
  }
}

function describeCheck(check: PreflightCheck): string {
  switch (check.kind) {
    case 'systemd-running':
      return 'systemd is the init system';
    case 'command':
      return `${check.command} is installed`;
    case 'file':
      return `${check.path} exists`;
    case 'account':
      return check.create ? `account ${check.user} exists or can be created` : `account ${check.user} exists`;
    default: {
      const never: never = check;
      throw new Error(`Unknown check ${JSON.stringify(never)}`);
    }
  }
}

/** What is wrong with one check, or undefined when it holds. */
function checkProblem(check: PreflightCheck): string | undefined {
  switch (check.kind) {
    case 'systemd-running':
      return existsSync(check.runDir)
        ? undefined
        : `systemd is not the init system here (${check.runDir} is missing): run \`rostersync agent\` under this machine's own service manager instead (rostersync service install --print shows what it must run).`;
    case 'command':
      return onPath(check.command) ? undefined : `${check.command} is not installed (needed ${check.why}).`;
    case 'file':
      return existsSync(check.path) ? undefined : `${check.path} does not exist (${check.why}).`;
    case 'account':
      if (lookupIds(check.user)) return undefined;
      if (!check.create) return `The account "${check.user}" does not exist: create it, or leave out --account to use the "${DEFAULT_LINUX_ACCOUNT}" system account.`;
      return onPath('useradd') ? undefined : `The account "${check.user}" does not exist and useradd is not installed to create it.`;
    default: {
      const never: never = check;
      throw new Error(`Unknown check ${JSON.stringify(never)}`);
    }
  }
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, command)));
}

/** Thrown when a preflight check fails: nothing has been changed. */
export class PreflightError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Nothing was changed. Before installing, fix:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCommand(command: string, args: readonly string[], interactive = false): CommandResult {
  const r = spawnSync(command, [...args], { encoding: 'utf8', stdio: interactive ? 'inherit' : 'pipe' });
  if (r.error) return { code: 127, stdout: '', stderr: `${command}: ${r.error.message}` };
  return { code: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function isAdmin(platform: ServicePlatform): boolean {
  if (platform === 'linux') return process.getuid?.() === 0;
  // `net session` succeeds only in an elevated prompt
  return runCommand('net', ['session']).code === 0;
}

function lookupIds(user: string): { uid: number; gid: number } | undefined {
  const uid = runCommand('id', ['-u', user]);
  const gid = runCommand('id', ['-g', user]);
  if (uid.code !== 0 || gid.code !== 0) return undefined;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** Executes a plan, reporting each step; stops at the first failure with what failed and why. */
export function executePlan(platform: ServicePlatform, steps: readonly PlanStep[], report: (line: string) => void): void {
  for (const step of steps) {
    report(describeStep(step));
    switch (step.kind) {
      case 'require-admin':
        if (!isAdmin(platform)) {
          throw new Error(
            platform === 'linux' ? 'Installing a system service needs root: run again with sudo.' : 'Installing a Windows service needs an elevated prompt: open PowerShell with "Run as administrator".',
          );
        }
        break;
      case 'preflight': {
        const problems = step.checks.map(checkProblem).filter((p): p is string => p !== undefined);
        if (problems.length) throw new PreflightError(problems);
        break;
      }
      case 'ensure-user': {
        if (lookupIds(step.user)) break;
        if (!step.create) throw new Error(`The account "${step.user}" does not exist on this machine. Create it, or leave out --account to use the "${DEFAULT_LINUX_ACCOUNT}" system account.`);
        const r = runCommand('useradd', ['--system', '--home-dir', step.home, '--no-create-home', '--shell', '/usr/sbin/nologin', '--user-group', step.user]);
        if (r.code !== 0) throw new Error(`useradd ${step.user} failed: ${r.stderr.trim() || `exit ${r.code}`}`);
        break;
      }
      case 'mkdir': {
        mkdirSync(step.path, { recursive: true });
        if (step.mode !== undefined && platform === 'linux') chmodSync(step.path, step.mode);
        if (step.owner && platform === 'linux') {
          const ids = lookupIds(step.owner);
          if (!ids) throw new Error(`The account "${step.owner}" does not exist.`);
          chownSync(step.path, ids.uid, ids.gid);
        }
        break;
      }
      case 'write':
        writeFileSync(step.path, step.content, { mode: step.mode });
        break;
      case 'copy':
        if (!existsSync(step.from)) throw new Error(`${step.from} does not exist. Download WinSW ${WINSW_VERSION} from ${WINSW_DOWNLOAD}.`);
        copyFileSync(step.from, step.to);
        break;
      case 'remove':
        rmSync(step.path, { force: true });
        break;
      case 'run': {
        const r = runCommand(step.command, step.args, step.interactive);
        if (r.code !== 0 && !step.allowFailure) {
          throw new Error(`${[step.command, ...step.args].join(' ')} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim()}`);
        }
        break;
      }
      default: {
        const never: never = step;
        throw new Error(`Unknown step ${JSON.stringify(never)}`);
      }
    }
  }
}

export interface ServiceState {
  readonly platform: ServicePlatform;
  readonly installed: boolean;
  /** e.g. "active (running)", "inactive (dead)", "Started", "Stopped". */
  readonly state: string;
  readonly enabled: string | null;
  readonly pid: number | null;
  readonly detail: string;
}

/** `systemctl show` output → state. Exported for tests. */
export function parseSystemctlShow(text: string): { load: string; active: string; sub: string; unitFile: string; pid: number | null } {
  const v = new Map(
    text
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const),
  );
  const pid = Number(v.get('MainPID') ?? '0');
  return { load: v.get('LoadState') ?? 'unknown', active: v.get('ActiveState') ?? 'unknown', sub: v.get('SubState') ?? '', unitFile: v.get('UnitFileState') ?? '', pid: pid > 0 ? pid : null };
}

export function serviceState(platform: ServicePlatform, spec: ServiceSpec, paths: PlatformPaths): ServiceState {
  if (platform === 'linux') {
    const r = runCommand('systemctl', ['show', `${spec.name}.service`, '--property=LoadState,ActiveState,SubState,UnitFileState,MainPID']);
    if (r.code !== 0) {
      return { platform, installed: existsSync(unitPath(spec, paths)), state: 'unknown', enabled: null, pid: null, detail: `systemctl is not available here: ${(r.stderr || r.stdout).trim()}` };
    }
    const s = parseSystemctlShow(r.stdout);
    const installed = s.load === 'loaded';
    return {
      platform,
      installed,
      state: installed ? `${s.active}${s.sub ? ` (${s.sub})` : ''}` : 'not installed',
      enabled: s.unitFile || null,
      pid: s.pid,
      detail: installed ? `unit ${unitPath(spec, paths)}` : `no unit named ${spec.name}.service`,
    };
  }
  const exe = win32.join(paths.serviceDir, `${spec.name}.exe`);
  if (!existsSync(exe)) return { platform, installed: false, state: 'not installed', enabled: null, pid: null, detail: `${exe} not found` };
  const r = runCommand(exe, ['status']);
  const state = r.stdout.trim() || r.stderr.trim();
  return { platform, installed: !/NonExistent/i.test(state), state, enabled: null, pid: null, detail: exe };
}
