/**
 * `rostersync service install --print` for Linux (systemd unit, validated with systemd-analyze
 * verify when it is installed) and Windows (WinSW XML), install/uninstall plans, and the copies in
 * build/ kept identical to what the generator writes for a packaged install.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import {
  packagedSpec,
  parseWindowsAccount,
  renderSystemdUnit,
  renderWinswXml,
  systemdQuote,
  windowsQuote,
  WINSW_DOWNLOAD,
  type ServiceSpec,
} from '../../src/service/definitions.js';
import { describeStep, executePlan, installPlan, parseSystemctlShow, PreflightError, uninstallPlan } from '../../src/service/install.js';
import { openAgent, closeAgent } from '../../src/home/context.js';
import { destinationConfigSchema, sourceConfigSchema } from '../../src/shared/config.schema.js';
import { REPO_ROOT } from '../helpers/child-process.js';

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['node', 'rostersync', ...args], { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join(''), err: err.join('') };
}

/** Directives of a unit file as [key, value] pairs in order. */
const directives = (unit: string): [string, string][] =>
  unit
    .split('\n')
    .filter((l) => /^[A-Za-z]+=/.test(l))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]);
const directive = (unit: string, key: string): string[] => directives(unit).filter(([k]) => k === key).map(([, v]) => v);

/** A small XML well-formedness check: one root, every tag closed in order, attributes quoted, no stray & or <. */
function assertWellFormedXml(xml: string): void {
  const body = xml.replace(/<!--[\s\S]*?-->/g, '');
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w-]*)((?:\s+[\w-]+="[^"<&]*(?:&(?:amp|lt|gt|quot|apos);[^"<&]*)*")*)\s*(\/?)>/g;
  let last = 0;
  let roots = 0;
  for (let m = tag.exec(body); m; m = tag.exec(body)) {
    const text = body.slice(last, m.index);
    expect(text, `text before <${m[2]}>`).not.toMatch(/<|&(?!(amp|lt|gt|quot|apos);)/);
    last = tag.lastIndex;
    if (m[1]) expect(stack.pop(), `closing </${m[2]}>`).toBe(m[2]);
    else if (!m[4]) {
      if (!stack.length) roots++;
      stack.push(m[2]!);
    }
  }
  expect(body.slice(last).trim()).toBe('');
  expect(stack).toEqual([]);
  expect(roots).toBe(1);
}

const element = (xml: string, name: string): string[] => [...xml.matchAll(new RegExp(`<${name}>([^<]*)</${name}>`, 'g'))].map((m) => m[1]!);

describe('Linux: systemd unit', () => {
  it('--print shows a hardened unit running this Node and this RosterSync as the service account', async () => {
    const { code, out } = await cli(['service', 'install', '--print', '--platform', 'linux', '--home', '/var/lib/rostersync']);
    expect(code).toBe(0);
    expect(out).toMatch(/^# RosterSync agent/);
    expect(out).toContain('[Unit]\n');
    expect(out).toContain('[Service]\n');
    expect(out).toContain('[Install]\nWantedBy=multi-user.target\n');
    expect(directive(out, 'ExecStart')).toEqual([`${process.execPath} ${join(REPO_ROOT, 'bin', 'rostersync.js')} agent --home /var/lib/rostersync`]);
    expect(directive(out, 'User')).toEqual(['rostersync']);
    expect(directive(out, 'After')).toEqual(['network-online.target']);
    expect(directive(out, 'Restart')).toEqual(['on-failure']);
    expect(directive(out, 'ReadWritePaths')).toEqual(['/var/lib/rostersync']);
    expect(directive(out, 'StateDirectory')).toEqual(['rostersync']);
    for (const [key, value] of [
      ['NoNewPrivileges', 'yes'],
      ['ProtectSystem', 'strict'],
      ['ProtectHome', 'yes'],
      ['PrivateTmp', 'yes'],
      ['PrivateDevices', 'yes'],
      ['ProtectKernelTunables', 'yes'],
      ['ProtectKernelModules', 'yes'],
      ['ProtectControlGroups', 'yes'],
      ['RestrictSUIDSGID', 'yes'],
      ['CapabilityBoundingSet', ''],
      ['UMask', '0027'],
      ['KillMode', 'mixed'],
    ] as const) {
      expect(directive(out, key), key).toEqual([value]);
    }
    expect(directive(out, 'MemoryDenyWriteExecute')).toEqual([]);
  });

  it('--account names the user; a data folder under /home keeps /home read-only and re-opens only the data folder', async () => {
    const { out } = await cli(['service', 'install', '--print', '--platform', 'linux', '--account', 'sis-sync', '--home', '/home/sis-sync/rostersync data']);
    expect(directive(out, 'User')).toEqual(['sis-sync']);
    expect(directive(out, 'ProtectHome')).toEqual(['read-only']);
    expect(directive(out, 'ReadWritePaths')).toEqual(['"/home/sis-sync/rostersync data"']);
    expect(directive(out, 'StateDirectory')).toEqual([]);
    expect(directive(out, 'ExecStart')[0]).toMatch(/ agent --home "\/home\/sis-sync\/rostersync data"$/);
  });

  it('quotes and escapes command-line words the systemd way', () => {
    expect(systemdQuote('/usr/bin/node')).toBe('/usr/bin/node');
    expect(systemdQuote('/opt/Roster Sync/bin/rostersync.js')).toBe('"/opt/Roster Sync/bin/rostersync.js"');
    expect(systemdQuote('/data/100%')).toBe('/data/100%%');
    expect(systemdQuote('/data/$HOME')).toBe('/data/$$HOME');
    expect(systemdQuote('a"b c')).toBe('"a\\"b c"');
  });

  it('hands a machine key kept outside the data folder to the service as a systemd credential', () => {
    const plain = renderSystemdUnit(packagedSpec('linux'));
    expect(plain).not.toContain('LoadCredential');
    const unit = renderSystemdUnit({ ...packagedSpec('linux'), keyFile: '/etc/rostersync/machine.key' });
    expect(unit.split('\n')).toContain('LoadCredential=rostersync-machine-key:/etc/rostersync/machine.key');
    // the data folder stays the only writable path: the key's folder is not opened for writing
    expect(unit).toContain('ReadWritePaths=/var/lib/rostersync\n');
  });

  it('passes systemd-analyze verify (or, where systemd is not installed, has every required part)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rs-unit-'));
    const spec: ServiceSpec = { name: 'rostersync-agent', nodePath: process.execPath, scriptPath: join(REPO_ROOT, 'bin', 'rostersync.js'), home: join(dir, 'home with space'), account: 'rostersync' };
    const unit = renderSystemdUnit(spec);
    const file = join(dir, 'rostersync-agent.service');
    writeFileSync(file, unit);
    const analyze = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
    if (analyze.error) {
      // systemd-analyze is in Debian's `systemd` package; without it, check the structure by hand.
      expect((analyze.error as NodeJS.ErrnoException).code).toBe('ENOENT');
      expect(unit.split('\n').filter((l) => /^\[.*\]$/.test(l))).toEqual(['[Unit]', '[Service]', '[Install]']);
      for (const line of unit.split('\n')) expect(line, line).toMatch(/^(#.*|\[(Unit|Service|Install)\]|[A-Za-z]+=.*|)$/);
    } else {
      expect(analyze.stderr.trim()).toBe('');
      expect(analyze.status).toBe(0);
      // and the check does catch mistakes here
      const broken = join(dir, 'broken.service');
      writeFileSync(broken, unit.replace('ProtectSystem=strict', 'ProtectSystem=sometimes'));
      expect(spawnSync('systemd-analyze', ['verify', broken], { encoding: 'utf8' }).stderr).toMatch(/ProtectSystem|protect system/i);
    }
  });

  it('install and uninstall plans: system user, owned data folder, the unit, systemctl', () => {
    const spec = packagedSpec('linux');
    const plan = installPlan('linux', spec, { unitDir: '/etc/systemd/system', serviceDir: '' }).map(describeStep);
    expect(plan).toEqual([
      'check: running as an administrator (root / elevated)',
      `check before changing anything: systemd is the init system; systemctl is installed; ${spec.nodePath} exists; ${spec.scriptPath} exists; account rostersync exists or can be created`,
      'user: rostersync (system account, no login shell; created if missing)',
      'folder: /var/lib/rostersync owned by rostersync mode 750',
      `write: /etc/systemd/system/rostersync-agent.service (${renderSystemdUnit(spec).length} bytes)`,
      'run: systemctl daemon-reload',
      'run: systemctl enable --now rostersync-agent.service',
    ]);
    expect(installPlan('linux', { ...spec, account: 'sis-sync' }, { unitDir: '/etc/systemd/system', serviceDir: '' }).map(describeStep)[2]).toBe('user: sis-sync (must exist)');
    expect(uninstallPlan('linux', spec, { unitDir: '/etc/systemd/system', serviceDir: '' }).map(describeStep)).toEqual([
      'check: running as an administrator (root / elevated)',
      'run: systemctl disable --now rostersync-agent.service',
      'remove: /etc/systemd/system/rostersync-agent.service',
      'run: systemctl daemon-reload',
    ]);
  });

  it('preflight: without systemd (or with a missing account) it refuses before changing anything, listing every problem', () => {
    const unitDir = mkdtempSync(join(tmpdir(), 'rs-unit-'));
    const user = 'rs-preflight-probe';
    const spec = { ...packagedSpec('linux'), nodePath: process.execPath, scriptPath: join(REPO_ROOT, 'bin', 'rostersync.js'), home: join(unitDir, 'home'), account: user };
    const lines: string[] = [];
    let error: unknown;
    try {
      executePlan('linux', installPlan('linux', spec, { unitDir, serviceDir: '', systemdRunDir: join(unitDir, 'no-systemd') }), (l) => lines.push(l));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(PreflightError);
    expect((error as PreflightError).problems).toEqual([
      `systemd is not the init system here (${join(unitDir, 'no-systemd')} is missing): run \`rostersync agent\` under this machine's own service manager instead (rostersync service install --print shows what it must run).`,
      ...(spawnSync('sh', ['-c', 'command -v systemctl']).status === 0 ? [] : ['systemctl is not installed (needed to register and start the unit).']),
      `The account "${user}" does not exist: create it, or leave out --account to use the "rostersync" system account.`,
    ]);
    // nothing was changed: no unit, no data folder, no account
    expect(readdirSync(unitDir)).toEqual([]);
    expect(spawnSync('id', ['-u', user]).status).not.toBe(0);
    expect(lines.at(-1)).toMatch(/^check before changing anything: /);
  });

  it('lets the agent write the configured outboxes and archived export folders outside its data folder', async () => {
    const home = mkdtempSync(join(tmpdir(), 'rs-svc-home-'));
    const ctx = openAgent(home);
    try {
      ctx.store.saveSource(sourceConfigSchema.parse({ name: 'sis', type: 'folder', settings: { path: '/srv/sis-export', afterProcessing: 'archive', archivePath: '/srv/sis-archive' }, entities: {} }));
      ctx.store.saveDestination(destinationConfigSchema.parse({ name: 'share', source: 'sis', format: 'oneroster-1.1', type: 'folder', settings: { path: '/srv/vendor outbox' } }));
      ctx.store.saveDestination(destinationConfigSchema.parse({ name: 'inside', source: 'sis', format: 'oneroster-1.1', type: 'folder', settings: { path: join(home, 'outbox') } }));
    } finally {
      closeAgent(ctx);
    }
    const { code, out } = await cli(['service', 'install', '--print', '--home', home]);
    expect(code).toBe(0);
    expect(out.split('\n')).toContain(`ReadWritePaths=${home} -/srv/sis-archive -/srv/sis-export "-/srv/vendor outbox"`);
    const file = join(mkdtempSync(join(tmpdir(), 'rs-unit-')), 'rostersync-agent.service');
    writeFileSync(file, out);
    const analyze = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
    if (!analyze.error) expect(analyze.stderr).not.toMatch(/ReadWritePaths/);
  });

  it('reads systemctl show', () => {
    expect(parseSystemctlShow('LoadState=loaded\nActiveState=active\nSubState=running\nUnitFileState=enabled\nMainPID=4242\n')).toEqual({
      load: 'loaded',
      active: 'active',
      sub: 'running',
      unitFile: 'enabled',
      pid: 4242,
    });
    expect(parseSystemctlShow('LoadState=not-found\nActiveState=inactive\nSubState=dead\nUnitFileState=\nMainPID=0\n').pid).toBeNull();
  });
});

describe('Windows: WinSW XML', () => {
  it('--print shows the service: id, node + script, agent --home, automatic start, restart on failure, rolling logs, LocalService', async () => {
    const { code, out } = await cli(['service', 'install', '--print', '--platform', 'windows']);
    expect(code).toBe(0);
    assertWellFormedXml(out);
    expect(out).toContain('\r\n');
    expect(element(out, 'id')).toEqual(['rostersync-agent']);
    expect(element(out, 'executable')).toEqual(['C:\\Program Files\\nodejs\\node.exe']);
    expect(element(out, 'arguments')).toEqual(['"C:\\Program Files\\RosterSync\\bin\\rostersync.js" agent --home C:\\ProgramData\\RosterSync']);
    expect(element(out, 'startmode')).toEqual(['Automatic']);
    expect(element(out, 'workingdirectory')).toEqual(['C:\\ProgramData\\RosterSync']);
    expect(out).toContain('<onfailure action="restart" delay="30 sec"/>');
    expect(element(out, 'resetfailure')).toEqual(['1 day']);
    expect(element(out, 'stoptimeout')).toEqual(['90 sec']);
    expect(out).toMatch(/<log mode="roll-by-size">\s*<sizeThreshold>10240<\/sizeThreshold>\s*<keepFiles>8<\/keepFiles>\s*<\/log>/);
    expect(element(out, 'logpath')).toEqual(['C:\\ProgramData\\RosterSync\\logs']);
    expect(element(out, 'domain')).toEqual(['NT AUTHORITY']);
    expect(element(out, 'user')).toEqual(['LocalService']);
    expect(out).not.toContain('<password>');
    expect(out).not.toContain('allowservicelogon');
  });

  it('--account: LocalSystem, a domain user (password asked at install, never in the file), a gMSA', async () => {
    const system = (await cli(['service', 'install', '--print', '--platform', 'windows', '--account', 'LocalSystem'])).out;
    assertWellFormedXml(system);
    expect(system).not.toContain('<serviceaccount>');

    const user = (await cli(['service', 'install', '--print', '--platform', 'windows', '--account', 'DISTRICT\\svc-roster'])).out;
    assertWellFormedXml(user);
    expect(element(user, 'domain')).toEqual(['DISTRICT']);
    expect(element(user, 'user')).toEqual(['svc-roster']);
    expect(element(user, 'allowservicelogon')).toEqual(['true']);
    expect(user).not.toContain('<password>');

    expect(parseWindowsAccount('DISTRICT\\roster-gmsa$')).toEqual({ domain: 'DISTRICT', user: 'roster-gmsa$', needsPassword: false });
    expect(parseWindowsAccount('localadmin')).toEqual({ domain: '.', user: 'localadmin', needsPassword: true });
    expect(parseWindowsAccount('NT AUTHORITY\\NetworkService')).toEqual({ domain: 'NT AUTHORITY', user: 'NetworkService', needsPassword: false });
  });

  it('escapes XML and quotes Windows arguments', () => {
    const xml = renderWinswXml({ ...packagedSpec('windows'), home: 'D:\\Data\\R&D <sync>', scriptPath: 'C:\\Apps\\RS\\bin\\rostersync.js' });
    assertWellFormedXml(xml);
    expect(element(xml, 'arguments')).toEqual(['C:\\Apps\\RS\\bin\\rostersync.js agent --home "D:\\Data\\R&amp;D &lt;sync&gt;"']);
    expect(xml).toContain('<env name="ROSTERSYNC_HOME" value="D:\\Data\\R&amp;D &lt;sync&gt;"/>');
    expect(windowsQuote('C:\\Program Files\\x\\')).toBe('"C:\\Program Files\\x\\\\"');
    expect(windowsQuote('say "hi"')).toBe('"say \\"hi\\""');
    expect(windowsQuote('')).toBe('""');
  });

  it('install plan copies WinSW next to the XML, grants the data folder, installs (asking for a password when needed) and starts', () => {
    const paths = { unitDir: '', serviceDir: 'C:\\Program Files\\RosterSync\\service' };
    expect(() => installPlan('windows', packagedSpec('windows'), paths)).toThrow(WINSW_DOWNLOAD);
    const plan = installPlan('windows', { ...packagedSpec('windows'), account: 'DISTRICT\\svc-roster' }, paths, 'D:\\Downloads\\WinSW-x64.exe').map(describeStep);
    // an outbox on a share: the service account may modify it (a domain account or gMSA reaches UNC shares; LocalService does not)
    const withShare = installPlan('windows', { ...packagedSpec('windows'), account: 'DISTRICT\\svc-roster', writablePaths: ['\\\\files\\vendor-outbox'] }, paths, 'D:\\Downloads\\WinSW-x64.exe').map(describeStep);
    expect(withShare).toContain('run: icacls \\\\files\\vendor-outbox /grant DISTRICT\\svc-roster:(OI)(CI)M /Q');
    expect(plan).toEqual([
      'check: running as an administrator (root / elevated)',
      'check before changing anything: D:\\Downloads\\WinSW-x64.exe exists; C:\\Program Files\\RosterSync\\bin\\rostersync.js exists',
      'folder: C:\\Program Files\\RosterSync\\service',
      'copy: D:\\Downloads\\WinSW-x64.exe → C:\\Program Files\\RosterSync\\service\\rostersync-agent.exe',
      expect.stringMatching(/^write: C:\\Program Files\\RosterSync\\service\\rostersync-agent\.xml \(\d+ bytes\)$/),
      'folder: C:\\ProgramData\\RosterSync',
      'folder: C:\\ProgramData\\RosterSync\\logs',
      'run: icacls C:\\ProgramData\\RosterSync /inheritance:r /grant:r *S-1-5-18:(OI)(CI)F *S-1-5-32-544:(OI)(CI)F DISTRICT\\svc-roster:(OI)(CI)M /T /Q',
      'run: C:\\Program Files\\RosterSync\\service\\rostersync-agent.exe install /p   (asks for the account password)',
      'run: C:\\Program Files\\RosterSync\\service\\rostersync-agent.exe start',
    ]);
    const builtIn = installPlan('windows', packagedSpec('windows'), paths, 'WinSW-x64.exe').map(describeStep);
    expect(builtIn).toContain('run: C:\\Program Files\\RosterSync\\service\\rostersync-agent.exe install');
    expect(builtIn).toContain('run: icacls C:\\ProgramData\\RosterSync /inheritance:r /grant:r *S-1-5-18:(OI)(CI)F *S-1-5-32-544:(OI)(CI)F NT AUTHORITY\\LocalService:(OI)(CI)M /T /Q');
    // LocalSystem: no extra grant, but the folder is still closed to ordinary users
    const system = installPlan('windows', { ...packagedSpec('windows'), account: 'LocalSystem' }, paths, 'WinSW-x64.exe').map(describeStep);
    expect(system).toContain('run: icacls C:\\ProgramData\\RosterSync /inheritance:r /grant:r *S-1-5-18:(OI)(CI)F *S-1-5-32-544:(OI)(CI)F /T /Q');
  });

  it('--dry-run prints the plan; installing for another platform than this one is refused', async () => {
    const dry = await cli(['service', 'install', '--dry-run', '--platform', 'windows', '--winsw', 'C:\\WinSW-x64.exe']);
    expect(dry.code).toBe(0);
    expect(dry.out).toContain('run: C:\\Program Files\\RosterSync\\service\\rostersync-agent.exe start');
    const refused = await cli(['service', 'install', '--platform', process.platform === 'win32' ? 'linux' : 'windows', '--winsw', 'C:\\WinSW-x64.exe']);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/This machine is not (windows|linux): use --print or --dry-run/);
  });
});

describe('build/ copies', () => {
  it('build/rostersync-agent.service and build/winsw/rostersync-agent.xml are what the generator writes for a packaged install', () => {
    expect(readFileSync(join(REPO_ROOT, 'build', 'rostersync-agent.service'), 'utf8')).toBe(renderSystemdUnit(packagedSpec('linux')));
    expect(readFileSync(join(REPO_ROOT, 'build', 'winsw', 'rostersync-agent.xml'), 'utf8')).toBe(renderWinswXml(packagedSpec('windows')));
  });
});
