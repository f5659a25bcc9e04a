#!/usr/bin/env node
/**
 * First step of `npm test`: make sure this machine has what the suites drive for real, before a
 * minute goes into typechecking.
 *
 * - Debian packages: OpenSSH's sshd (SFTP tests), Chromium (GUI tests), openssl (SMTP TLS test
 *   certificates), systemd-analyze (the service unit check), PostgreSQL's contrib extensions (the
 *   read-only corpus proves dblink cannot write). Missing ones are installed when this runs as root
 *   with apt-get (`apt-get update` first); otherwise the run stops with one line saying what to install.
 * - PostgreSQL on 127.0.0.1:5432 and MariaDB on 127.0.0.1:3306: started when they are installed but
 *   down (as root); otherwise the run stops saying how to start them. Nothing is skipped.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createConnection } from 'node:net';

/** A Debian package, and the file that proves it is installed. */
const PACKAGES = [
  { name: 'openssh-server', file: '/usr/sbin/sshd', for: 'the SFTP tests' },
  { name: 'openssh-client', file: '/usr/bin/ssh-keygen', for: 'the SFTP tests' },
  { name: 'chromium', file: '/usr/bin/chromium', for: 'the GUI tests' },
  { name: 'openssl', file: '/usr/bin/openssl', for: 'the SMTP TLS tests' },
  { name: 'systemd', file: '/usr/bin/systemd-analyze', for: 'the service unit check' },
  ...postgresContrib(),
];

function postgresContrib() {
  // The server's own major version decides the contrib package (dblink lives there).
  const versions = existsSync('/usr/share/postgresql') ? readdirSync('/usr/share/postgresql').filter((v) => /^\d+$/.test(v)) : [];
  return versions.map((v) => ({ name: `postgresql-contrib-${v}`, file: `/usr/share/postgresql/${v}/extension/dblink.control`, for: 'the read-only corpus (dblink)', optional: true }));
}

const isRoot = process.getuid?.() === 0;
const hasApt = existsSync('/usr/bin/apt-get');

function fail(message) {
  console.error(`npm test: ${message}`);
  process.exit(1);
}

function run(command, args) {
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return result.status === 0;
}

const missing = PACKAGES.filter((p) => !existsSync(p.file));
if (missing.length) {
  const names = missing.map((p) => p.name);
  if (!isRoot || !hasApt) {
    fail(`missing ${missing.map((p) => `${p.name} (${p.for})`).join(', ')}. Install with: sudo apt-get install -y ${names.join(' ')}`);
  }
  console.log(`npm test: installing ${names.join(' ')} (apt-get update first)`);
  if (!run('apt-get', ['update', '-qq'])) fail('apt-get update failed; see above.');
  const required = missing.filter((p) => !p.optional).map((p) => p.name);
  // contrib packages are merged into the server package on some releases: try them on their own
  if (required.length && !run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...required])) {
    fail(`apt-get install ${required.join(' ')} failed; see above.`);
  }
  for (const p of missing.filter((m) => m.optional)) run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', p.name]);
}

function listening(port) {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function waitFor(port, seconds) {
  for (let i = 0; i < seconds * 2; i++) {
    if (await listening(port)) return true;
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

const SERVICES = [
  {
    name: 'PostgreSQL',
    port: 5432,
    start() {
      const clusters = existsSync('/etc/postgresql') ? readdirSync('/etc/postgresql') : [];
      return clusters.length > 0 && run('pg_ctlcluster', ['--skip-systemctl-redirect', clusters[0], 'main', 'start']);
    },
    how: 'start it with: pg_ctlcluster <version> main start (user postgres, trust auth on 127.0.0.1)',
  },
  {
    name: 'MariaDB',
    port: 3306,
    start() {
      return existsSync('/usr/sbin/mariadbd') && run('start-stop-daemon', ['--start', '--oknodo', '--background', '--exec', '/usr/sbin/mariadbd']);
    },
    how: 'start it with: start-stop-daemon --start --background --exec /usr/sbin/mariadbd (root, empty password)',
  },
];

for (const service of SERVICES) {
  if (await listening(service.port)) continue;
  if (isRoot && service.start() && (await waitFor(service.port, 30))) continue;
  fail(`${service.name} is not answering on 127.0.0.1:${service.port}; ${service.how}.`);
}
