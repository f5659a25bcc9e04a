/**
 * The do-it-yourself baseline an IT admin would script by hand: the database's own bulk export
 * (`psql \copy (SELECT …) TO file CSV HEADER`, one per entity query, in one psql session) and
 * then OpenSSH's `sftp -b batchfile` upload of every file. Same queries RosterSync runs (the
 * demo's PostgreSQL entity queries, one export per file × entity the OneRoster plan reads), no
 * mapping, no validation, no diff, plain `put` without temp names — the cheapest honest script.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_QUERIES_POSTGRES } from '../src/demo/queries.js';
import { oneRoster11 } from '../src/formats/oneroster-1.1.js';

export interface BaselineJob {
  readonly workDir: string;
  readonly database: string;
  readonly pg: { readonly host: string; readonly port: number; readonly user: string };
  readonly sftp: { readonly host: string; readonly port: number; readonly user: string; readonly keyPath: string; readonly remoteDir: string };
}

export interface BaselineResult {
  readonly extractMs: number;
  readonly uploadMs: number;
  readonly wallMs: number;
  readonly rows: number;
  readonly bytes: number;
  readonly files: number;
  readonly maxRssBytes: number;
}

interface Exec {
  readonly stdout: string;
  readonly maxRssBytes: number;
}

/** Runs a command to completion; rejects with its output on a non-zero exit. Peak RSS via /usr/bin/time. */
function exec(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<Exec> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', 'MAXRSS_KB=%M', cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', (e) => reject(new Error(`${cmd} could not start: ${e.message}`)));
    child.on('close', (code) => {
      const m = /MAXRSS_KB=(\d+)/.exec(stderr);
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}:\n${stderr.slice(-4000)}`));
      else resolve({ stdout, maxRssBytes: m ? Number(m[1]) * 1024 : 0 });
    });
  });
}

export async function runBaseline(job: BaselineJob): Promise<BaselineResult> {
  rmSync(job.workDir, { recursive: true, force: true });
  const outDir = join(job.workDir, 'out');
  mkdirSync(outDir, { recursive: true });

  const lines: string[] = ['\\set ON_ERROR_STOP on'];
  for (const file of oneRoster11.files) {
    const entities = file.entities ?? [];
    for (const entity of entities) {
      const query = DEMO_QUERIES_POSTGRES[entity].replace(/\s+/g, ' ').trim();
      const target = join(outDir, entities.length > 1 ? file.name.replace(/\.csv$/, `-${entity}.csv`) : file.name);
      lines.push(`\\copy (${query}) TO '${target}' WITH (FORMAT csv, HEADER)`);
    }
  }
  const script = join(job.workDir, 'export.sql');
  writeFileSync(script, `${lines.join('\n')}\n`);
  // The manifest a script would keep as a static file.
  writeFileSync(
    join(outDir, 'manifest.csv'),
    ['propertyName,value', 'manifest.version,1.0', 'oneroster.version,1.1', ...oneRoster11.files.map((f) => `file.${f.name.replace(/\.csv$/, '')},bulk`), 'source.systemName,script', ''].join('\r\n'),
  );
  const batch = join(job.workDir, 'upload.batch');
  writeFileSync(batch, [`cd ${job.sftp.remoteDir}`, ...lines.slice(1).map((l) => `put ${/TO '([^']+)'/.exec(l)![1]}`), `put ${join(outDir, 'manifest.csv')}`, ''].join('\n'));

  const started = performance.now();
  const psql = await exec('psql', ['-X', '-h', job.pg.host, '-p', String(job.pg.port), '-U', job.pg.user, '-d', job.database, '-f', script], {
    ...process.env,
    PGAPPNAME: 'rostersync-bench-baseline',
  });
  const extracted = performance.now();
  const sftp = await exec('sftp', [
    '-q',
    '-b', batch,
    '-i', job.sftp.keyPath,
    '-P', String(job.sftp.port),
    '-o', 'BatchMode=yes',
    '-o', 'StrictHostKeyChecking=no',
    '-o', 'UserKnownHostsFile=/dev/null',
    '-o', 'LogLevel=ERROR',
    `${job.sftp.user}@${job.sftp.host}`,
  ]);
  const done = performance.now();

  const produced = readdirSync(outDir);
  let bytes = 0;
  for (const f of produced) bytes += statSync(join(outDir, f)).size;
  // psql prints "COPY n" per \copy (also with -q).
  const rows = [...psql.stdout.matchAll(/COPY (\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
  const result: BaselineResult = {
    extractMs: Math.round(extracted - started),
    uploadMs: Math.round(done - extracted),
    wallMs: Math.round(done - started),
    rows,
    bytes,
    files: produced.length,
    maxRssBytes: Math.max(psql.maxRssBytes, sftp.maxRssBytes),
  };
  rmSync(outDir, { recursive: true, force: true });
  return result;
}
