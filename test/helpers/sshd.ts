/**
 * A real OpenSSH server for integration tests (Debian's openssh-server), started on a free loopback
 * port with its own sshd_config, host key, test user and a root-owned chroot:
 *
 *   /var/lib/rostersync-test-sftp/<unique>/
 *     etc/      sshd_config, host key, client keys (root only, 0700)
 *     authorized_keys/<user>   (readable by the user: sshd reads it with the user's rights)
 *     chroot/   root:root 755 (sshd requires it)     ← the SFTP user's "/"
 *       Upload/   owned by the test user (writable)
 *       ReadOnly/ root:root 755 (not writable by the user)
 *
 * The chroot lives outside /tmp because sshd refuses a chroot whose path has a group/world-writable
 * component. Needs root (sshd must switch users and chroot). `stop()` kills the listener AND every
 * session process it forked (they detach with setsid), which is what a crashed server looks like
 * to a client; `restart()` brings it back on the same port with the same host key.
 *
 * Usage: const server = await startSshd(); … afterAll(() => server.dispose());
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

export const SSHD_BIN = '/usr/sbin/sshd';
export const TEST_ROOT = '/var/lib/rostersync-test-sftp';
export const TEST_USER = 'rsync-test';
/** Distinctive on purpose: tests grep every message and log line for it. */
export const TEST_PASSWORD = 'Rs-pw-4f9c2e7a1bX';
export const TEST_PASSPHRASE = 'Rs-pp-8d3b6a0c5eY';

export interface SshdKeyPaths {
  /** OpenSSH-format ed25519 key without passphrase (authorized). */
  readonly ed25519: string;
  /** OpenSSH-format ed25519 key protected by TEST_PASSPHRASE (authorized). */
  readonly ed25519Encrypted: string;
  /** PEM ("BEGIN RSA PRIVATE KEY") RSA key protected by TEST_PASSPHRASE (authorized). */
  readonly rsaPemEncrypted: string;
  /** A valid key whose public half is NOT in authorized_keys. */
  readonly unauthorized: string;
  readonly passphrase: string;
}

export interface SshdServer {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly keyPaths: SshdKeyPaths;
  /** Root of this server's files (etc/ and chroot/). */
  readonly baseDir: string;
  /** The SFTP user's "/" on the local disk. */
  readonly chrootDir: string;
  /** `<chroot>/Upload` on the local disk (remote folder `Upload`, writable). */
  readonly uploadDir: string;
  /** `<chroot>/ReadOnly` on the local disk (remote folder `ReadOnly`, not writable). */
  readonly readOnlyDir: string;
  /** `SHA256:…` of the current host key, as `ssh-keygen -l` prints it. */
  readonly hostKeyFingerprint: string;
  readonly running: boolean;
  /** sshd's own log (stderr), for assertion messages. */
  logs(): string;
  /** Kill the server and every session it forked (a crash, as the client sees it). Files stay. */
  stop(): Promise<void>;
  /** Start again on the same port; `newHostKey` replaces the host key first (a "changed host key"). */
  restart(options?: { readonly newHostKey?: boolean }): Promise<void>;
  /** Freeze / thaw every sshd process (a server that accepts TCP but never answers). */
  pause(): void;
  resume(): void;
  /** stop() and remove the server's files. Also runs automatically when the test process exits. */
  dispose(): Promise<void>;
}

function fail(message: string): never {
  throw new Error(`[sshd test harness] ${message}`);
}

function run(cmd: string, args: readonly string[], input?: string): { status: number; out: string } {
  const r = spawnSync(cmd, args, { input, encoding: 'utf8' });
  if (r.error) fail(`${cmd} ${args.join(' ')} could not run: ${r.error.message}`);
  return { status: r.status ?? -1, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

function runOk(cmd: string, args: readonly string[], input?: string): string {
  const r = run(cmd, args, input);
  if (r.status !== 0) fail(`${cmd} ${args.join(' ')} failed (exit ${r.status}): ${r.out.trim()}`);
  return r.out;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** useradd/chpasswd lock /etc/passwd and /etc/shadow; parallel test files may collide: retry. */
function runLocked(cmd: string, args: readonly string[], input?: string, okStatuses: readonly number[] = [0]): void {
  let last = '';
  for (let i = 0; i < 40; i++) {
    const r = run(cmd, args, input);
    if (okStatuses.includes(r.status)) return;
    last = r.out.trim();
    if (!/lock|try again|busy/i.test(last)) break;
    sleepSync(50 + Math.floor(Math.random() * 100));
  }
  fail(`${cmd} ${args.join(' ')} failed: ${last}`);
}

function preflight(): void {
  if (!existsSync(SSHD_BIN)) {
    fail(`${SSHD_BIN} is missing. The SFTP integration tests run against a real OpenSSH server: install it with\n  apt-get update && apt-get install -y openssh-server`);
  }
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    fail('sshd needs root to switch users and chroot: run the SFTP integration tests as root (CI runs them as root).');
  }
  for (const tool of ['/usr/bin/ssh-keygen', '/usr/sbin/useradd', '/usr/sbin/chpasswd']) {
    if (!existsSync(tool)) fail(`${tool} is missing: apt-get install -y openssh-server passwd`);
  }
}

function ensureUser(): { uid: number; gid: number } {
  const lookup = (): { uid: number; gid: number } | undefined => {
    const r = run('id', ['-u', TEST_USER]);
    if (r.status !== 0) return undefined;
    const g = runOk('id', ['-g', TEST_USER]);
    return { uid: Number(r.out.trim()), gid: Number(g.trim()) };
  };
  if (!lookup()) {
    // 9 = user exists (another test file created it a moment ago).
    runLocked('/usr/sbin/useradd', ['--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', TEST_USER], undefined, [0, 9]);
  }
  // Always (re)set: the account must have this exact password and must not be locked ("!" blocks key logins too).
  runLocked('/usr/sbin/chpasswd', [], `${TEST_USER}:${TEST_PASSWORD}\n`);
  return lookup() ?? fail(`user ${TEST_USER} could not be created`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function fingerprintOf(pubPath: string): string {
  const out = runOk('/usr/bin/ssh-keygen', ['-l', '-E', 'sha256', '-f', pubPath]);
  const m = /(SHA256:[A-Za-z0-9+/]+)/.exec(out);
  return m ? m[1] : fail(`ssh-keygen -l printed no fingerprint for ${pubPath}: ${out}`);
}

function keygen(path: string, type: 'ed25519' | 'rsa', passphrase: string, pem = false): void {
  rmSync(path, { force: true });
  rmSync(`${path}.pub`, { force: true });
  const args = ['-q', '-t', type, '-N', passphrase, '-C', 'rostersync-test', '-f', path];
  if (type === 'rsa') args.push('-b', '2048');
  if (pem) args.push('-m', 'PEM');
  runOk('/usr/bin/ssh-keygen', args);
}

function sshdVersion(): [number, number] {
  const out = run(SSHD_BIN, ['-V']).out;
  const m = /OpenSSH_(\d+)\.(\d+)/.exec(out);
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

/** Every descendant of `pid` (sshd's session processes call setsid, so a process group kill misses them). */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // process ended while scanning
    }
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

function signalTree(pid: number, signal: NodeJS.Signals): void {
  for (const p of [pid, ...descendants(pid)]) {
    try {
      process.kill(p, signal);
    } catch {
      // already gone
    }
  }
}

/** Remove directories of earlier test runs whose sshd is long gone (crashed runs). */
function sweepStale(): void {
  if (!existsSync(TEST_ROOT)) return;
  const dayAgo = Date.now() - 6 * 3600_000;
  for (const name of readdirSync(TEST_ROOT)) {
    const dir = join(TEST_ROOT, name);
    try {
      if (statSync(dir).mtimeMs < dayAgo) rmSync(dir, { recursive: true, force: true });
    } catch {
      // raced with another sweeper
    }
  }
}

export async function startSshd(options: { readonly label?: string } = {}): Promise<SshdServer> {
  preflight();
  const { uid, gid } = ensureUser();
  mkdirSync(TEST_ROOT, { recursive: true, mode: 0o755 });
  chownSync(TEST_ROOT, 0, 0);
  chmodSync(TEST_ROOT, 0o755);
  sweepStale();
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }); // privilege separation directory

  const label = (options.label ?? 'sftp').replace(/[^a-z0-9-]/gi, '').slice(0, 20) || 'sftp';
  const baseDir = join(TEST_ROOT, `${label}-${process.pid}-${randomBytes(4).toString('hex')}`);
  const etcDir = join(baseDir, 'etc');
  const chrootDir = join(baseDir, 'chroot');
  const uploadDir = join(chrootDir, 'Upload');
  const readOnlyDir = join(chrootDir, 'ReadOnly');
  for (const [dir, mode] of [[baseDir, 0o755], [etcDir, 0o700], [chrootDir, 0o755], [uploadDir, 0o755], [readOnlyDir, 0o755]] as const) {
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, mode);
    chownSync(dir, 0, 0);
  }
  chownSync(uploadDir, uid, gid);
  writeFileSync(join(readOnlyDir, 'README.txt'), 'This folder is read-only for the SFTP user.\n');

  const hostKey = join(etcDir, 'ssh_host_ed25519_key');
  keygen(hostKey, 'ed25519', '');
  const keyPaths: SshdKeyPaths = {
    ed25519: join(etcDir, 'client_ed25519'),
    ed25519Encrypted: join(etcDir, 'client_ed25519_enc'),
    rsaPemEncrypted: join(etcDir, 'client_rsa_pem_enc'),
    unauthorized: join(etcDir, 'client_unauthorized'),
    passphrase: TEST_PASSPHRASE,
  };
  keygen(keyPaths.ed25519, 'ed25519', '');
  keygen(keyPaths.ed25519Encrypted, 'ed25519', TEST_PASSPHRASE);
  keygen(keyPaths.rsaPemEncrypted, 'rsa', TEST_PASSPHRASE, true);
  keygen(keyPaths.unauthorized, 'ed25519', '');
  // Read by sshd as the logged-in user: outside the 0700 etc/ folder.
  const authDir = join(baseDir, 'authorized_keys');
  mkdirSync(authDir, { recursive: true });
  chmodSync(authDir, 0o755);
  writeFileSync(
    join(authDir, TEST_USER),
    [keyPaths.ed25519, keyPaths.ed25519Encrypted, keyPaths.rsaPemEncrypted].map((k) => readFileSync(`${k}.pub`, 'utf8').trim()).join('\n') + '\n',
    { mode: 0o644 },
  );

  const port = await freePort();
  const [major, minor] = sshdVersion();
  const config = [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${hostKey}`,
    'PidFile none',
    'LogLevel VERBOSE',
    'UsePAM no',
    'PasswordAuthentication yes',
    'PermitEmptyPasswords no',
    'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes',
    `AuthorizedKeysFile ${authDir}/%u`,
    'StrictModes no',
    'PermitRootLogin no',
    `AllowUsers ${TEST_USER}`,
    'MaxAuthTries 6',
    'MaxStartups 50:30:100',
    'LoginGraceTime 30',
    'Subsystem sftp internal-sftp',
    // OpenSSH ≥ 9.8 penalizes addresses with failed logins; the wrong-password tests would lock out 127.0.0.1.
    ...(major > 9 || (major === 9 && minor >= 8) ? ['PerSourcePenalties no'] : []),
    `Match User ${TEST_USER}`,
    `  ChrootDirectory ${chrootDir}`,
    '  ForceCommand internal-sftp',
    '  AllowTcpForwarding no',
    '  X11Forwarding no',
    '',
  ].join('\n');
  const configPath = join(etcDir, 'sshd_config');
  writeFileSync(configPath, config, { mode: 0o600 });
  const test = run(SSHD_BIN, ['-t', '-f', configPath]);
  if (test.status !== 0) fail(`sshd rejected the test config ${configPath}: ${test.out.trim()}`);

  let child: ChildProcess | undefined;
  let log = '';
  let fingerprint = fingerprintOf(`${hostKey}.pub`);
  let disposed = false;

  const launch = async (): Promise<void> => {
    const proc = spawn(SSHD_BIN, ['-D', '-e', '-f', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    let exited = false;
    proc.on('exit', () => {
      exited = true;
      if (child === proc) child = undefined;
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        signalTree(proc.pid ?? 0, 'SIGKILL');
        reject(new Error(`[sshd test harness] sshd did not start listening on 127.0.0.1:${port} within 10 s. Its log:\n${log}`));
      }, 10_000);
      proc.stderr?.setEncoding('utf8');
      proc.stderr?.on('data', (chunk: string) => {
        log += chunk;
        if (log.length > 200_000) log = log.slice(-100_000);
        if (new RegExp(`Server listening on 127\\.0\\.0\\.1 port ${port}`).test(log)) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (!/Server listening/.test(log)) reject(new Error(`[sshd test harness] sshd exited (${code ?? signal}) before listening on port ${port}. Its log:\n${log}`));
      });
      proc.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`[sshd test harness] could not start ${SSHD_BIN}: ${err.message}`));
      });
    });
    if (exited) fail(`sshd exited right after starting. Its log:\n${log}`);
  };

  const stop = async (): Promise<void> => {
    const proc = child;
    if (!proc || proc.pid === undefined) return;
    const exited = new Promise<void>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) resolve();
      else proc.once('exit', () => resolve());
    });
    signalTree(proc.pid, 'SIGCONT');
    signalTree(proc.pid, 'SIGKILL');
    await exited;
    child = undefined;
  };

  const killAtExit = (): void => {
    if (child?.pid !== undefined) signalTree(child.pid, 'SIGKILL');
    if (!disposed) rmSync(baseDir, { recursive: true, force: true });
  };
  process.once('exit', killAtExit);

  await launch();

  const server: SshdServer = {
    host: '127.0.0.1',
    port,
    user: TEST_USER,
    password: TEST_PASSWORD,
    keyPaths,
    baseDir,
    chrootDir,
    uploadDir,
    readOnlyDir,
    get hostKeyFingerprint() {
      return fingerprint;
    },
    get running() {
      return child !== undefined;
    },
    logs: () => log,
    stop,
    async restart(opts = {}) {
      await stop();
      if (opts.newHostKey) {
        keygen(hostKey, 'ed25519', '');
        fingerprint = fingerprintOf(`${hostKey}.pub`);
      }
      await launch();
    },
    pause() {
      if (child?.pid !== undefined) signalTree(child.pid, 'SIGSTOP');
    },
    resume() {
      if (child?.pid !== undefined) signalTree(child.pid, 'SIGCONT');
    },
    async dispose() {
      await stop();
      process.removeListener('exit', killAtExit);
      rmSync(baseDir, { recursive: true, force: true });
      disposed = true;
    },
  };
  return server;
}

/** Alias matching the brief: `start()`. */
export const start = startSshd;
