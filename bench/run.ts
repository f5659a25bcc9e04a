/**
 * `npm run bench` — RosterSync against the do-it-yourself baseline, on the same data in the same run.
 *
 *   node dist/bench/run.js                       quick: 10 000 students
 *   node dist/bench/run.js --sizes 10000,100000,500000
 *   options: --repeat N (rounds of baseline + nightly per size, default 3: the ratio is their median),
 *            --profile (CPU profile of each RosterSync run, into <tmp>/rostersync-bench-profiles), --reload (reload the districts),
 *            --out FILE (JSON results; default bench/results/<date>.json and bench/results/latest.json),
 *            --node-args "<flags>" (Node/V8 flags for each RosterSync run's process, e.g.
 *              --node-args "--single-threaded-gc --v8-pool-size=1", to compare V8 settings; recorded
 *              in the results as nodeArgs, and each run's process.execArgv as execArgv)
 *
 * Per size: the district is loaded into PostgreSQL (bench/district.ts, reused when already there);
 * a real OpenSSH server is started (test/helpers/sshd.ts). Then, in order:
 *   1. RosterSync, first run (no previous delivery: everything is "added"),
 *   2. the baseline: psql \copy of the same queries + `sftp -b` upload,
 *   3. RosterSync, nightly run (diff against the last delivery's fingerprints) — the figure compared;
 *   2 and 3 are repeated back to back (--repeat, 3 by default) and the median of their ratios is reported,
 *   each figure with the 1-minute load average at its start and end (a loaded machine shows in the result).
 * Node CPU per thread (bench/child.ts, src/pipeline/thread-cpu.ts) is divided by the rows written.
 * Each RosterSync run is a child process (bench/child.ts): its wall time includes Node start-up,
 * opening the agent and the whole run; its peak RSS is the child's own maxRSS.
 */
import { spawn } from 'node:child_process';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { startSshd, type SshdServer } from '../test/helpers/sshd.js';
import { benchDatabaseName, ensurePostgresDistrict, PG_ADMIN } from './district.js';
import { runBaseline, type BaselineResult } from './baseline.js';
import { RESULT_PREFIX, type ChildJob, type ChildResult } from './child.js';

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root (this file runs from dist/bench/). */
const root = resolve(here, '..', '..');

interface RsRun extends ChildResult {
  readonly wallMs: number;
  readonly rowsPerSecond: number;
  /** Share of the run spent validating (value checks, keys, references) and diffing. */
  readonly validationDiffShare: number;
  /** The machine's 1-minute load average when the run started and when it ended (os.loadavg). */
  readonly load: Load;
}

interface Load {
  readonly start: number;
  readonly end: number;
}

type Baseline = BaselineResult & { readonly rowsPerSecond: number; readonly load: Load };

/** One back-to-back pair: the baseline, then RosterSync's nightly run, and their ratio. */
interface Round {
  readonly baseline: Baseline;
  readonly nightly: RsRun;
  /** nightly wall / baseline wall. */
  readonly ratio: number;
}

interface SizeResult {
  readonly students: number;
  readonly database: string;
  readonly loadMs: number;
  readonly first: RsRun;
  readonly rounds: readonly Round[];
  /** The median round (the one whose ratio is the median; of an even count, the lower middle). */
  readonly nightly: RsRun;
  readonly baseline: Baseline;
  readonly ratios: {
    /** Median over the rounds of nightly / baseline: the figure the target is about. */
    readonly wallNightlyMedian: number;
    readonly wallNightlyAll: readonly number[];
    readonly wallFirst: number;
    readonly rowsPerSecond: number;
  };
  /** Node CPU per output row of the median nightly run, per thread and in all (µs). */
  readonly cpuPerRowUs: { readonly total: number; readonly threads: readonly { name: string; cpuMs: number; perRowUs: number }[] };
}

const mb = (bytes: number): number => Math.round(bytes / 1024 / 1024);
const sec = (ms: number): string => (ms / 1000).toFixed(1);

function parseSizes(value: string): number[] {
  return value.split(',').map((s) => {
    const t = s.trim().toLowerCase();
    const n = t.endsWith('k') ? Number(t.slice(0, -1)) * 1000 : Number(t.replace(/_/g, ''));
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`--sizes expects whole numbers like 10000,100k; got "${s}"`);
    return n;
  });
}

function parseRepeat(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`--repeat expects a whole number of rounds (1 or more); got "${value}"`);
  return n;
}

/** Stage timings that are validation or diff (see run-sync.ts: checks and keys are measured inside extract). */
export function validationDiffMs(t: Readonly<Record<string, number>>): number {
  return (t['extract.checks'] ?? 0) + (t['extract.keys'] ?? 0) + (t.fingerprints ?? 0) + (t.validate ?? 0) + (t.diff ?? 0);
}

/** --node-args: the flags, split at whitespace (a flag's value holds no spaces: --max-semi-space-size=16). */
export function parseNodeArgs(value: string): string[] {
  const args = value.split(/\s+/).filter(Boolean);
  const bad = args.find((a) => !a.startsWith('-'));
  if (bad !== undefined) throw new InvalidArgumentError(`--node-args expects Node/V8 flags such as "--single-threaded-gc --v8-pool-size=1"; "${bad}" is not a flag`);
  return args;
}

function runChild(job: ChildJob, workDir: string, profileDir: string | undefined, extraNodeArgs: readonly string[]): Promise<RsRun> {
  const jobFile = join(workDir, 'job.json');
  writeFileSync(jobFile, JSON.stringify(job));
  const nodeArgs = [...extraNodeArgs, ...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [])];
  return new Promise((resolvePromise, reject) => {
    const loadStart = load1();
    const started = performance.now();
    const child = spawn(process.execPath, [...nodeArgs, join(here, 'child.js'), jobFile], { stdio: ['ignore', 'pipe', 'pipe'], cwd: root });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.on('close', (code) => {
      const wallMs = Math.round(performance.now() - started);
      const line = out.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
      if (code !== 0 || !line) {
        reject(new Error(`The RosterSync run (child process) exited with ${code}:\n${err.slice(-4000)}${out.slice(-2000)}`));
        return;
      }
      const r = JSON.parse(line.slice(RESULT_PREFIX.length)) as ChildResult;
      if (r.status !== 'success') {
        reject(new Error(`The RosterSync run ended ${r.status}: ${r.message}`));
        return;
      }
      resolvePromise({
        ...r,
        wallMs,
        rowsPerSecond: Math.round(r.rows / (wallMs / 1000)),
        validationDiffShare: validationDiffMs(r.stageTimings) / r.runMs,
        load: { start: loadStart, end: load1() },
      });
    });
  });
}

function clearUploads(server: SshdServer): void {
  for (const name of readdirSync(server.uploadDir)) rmSync(join(server.uploadDir, name), { recursive: true, force: true });
}

async function benchSize(students: number, server: SshdServer, options: { reload: boolean; repeat: number; profileDir?: string; nodeArgs: readonly string[]; log: (m: string) => void }): Promise<SizeResult> {
  const { log } = options;
  const database = benchDatabaseName(students);
  const load = await ensurePostgresDistrict(students, database, { reload: options.reload, log });
  const workDir = join('/tmp', `rostersync-bench-${students}-${process.pid}`);
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const pgConn = { host: String(PG_ADMIN.host), port: Number(PG_ADMIN.port), user: String(PG_ADMIN.user) };
  const job: ChildJob = {
    home: join(workDir, 'home'),
    database,
    pg: pgConn,
    sftp: { host: server.host, port: server.port, user: server.user, password: server.password, fingerprint: server.hostKeyFingerprint, remoteDir: 'Upload' },
  };
  const baselineJob = {
    workDir: join(workDir, 'baseline'),
    database,
    pg: pgConn,
    sftp: { host: server.host, port: server.port, user: server.user, keyPath: server.keyPaths.ed25519, remoteDir: 'Upload' },
  };
  try {
    clearUploads(server);
    log(`${students} students: RosterSync first run… ${loadNote()}`);
    const first = await runChild(job, workDir, options.profileDir && join(options.profileDir, `${students}-first`), options.nodeArgs);
    log(`  ${sec(first.wallMs)} s, ${first.rows} rows, peak RSS ${mb(first.maxRssBytes)} MB ${loadNote(first.load)}`);

    const rounds: Round[] = [];
    for (let round = 1; round <= options.repeat; round++) {
      clearUploads(server);
      log(`${students} students, round ${round}/${options.repeat}: baseline (psql \\copy + sftp -b)…`);
      const loadStart = load1();
      const b = await runBaseline(baselineJob);
      const baseline: Baseline = { ...b, rowsPerSecond: Math.round(b.rows / (b.wallMs / 1000)), load: { start: loadStart, end: load1() } };
      log(`  ${sec(b.wallMs)} s (extract ${sec(b.extractMs)} s, upload ${sec(b.uploadMs)} s), ${b.rows} rows ${loadNote(baseline.load)}`);

      clearUploads(server);
      log(`${students} students, round ${round}/${options.repeat}: RosterSync nightly run (diff against the last delivery)…`);
      const profile = options.profileDir && join(options.profileDir, `${students}-nightly-${round}`);
      const nightly = await runChild(job, workDir, profile, options.nodeArgs);
      const ratio = round2(nightly.wallMs / baseline.wallMs);
      log(`  ${sec(nightly.wallMs)} s = ${ratio}× the baseline, peak RSS ${mb(nightly.maxRssBytes)} MB, validation + diff ${(nightly.validationDiffShare * 100).toFixed(1)} % ${loadNote(nightly.load)}`);
      rounds.push({ baseline, nightly, ratio });
    }
    clearUploads(server);
    const median = medianRound(rounds);
    const { nightly, baseline } = median;
    return {
      students,
      database,
      loadMs: load.ms,
      first,
      rounds,
      nightly,
      baseline,
      ratios: {
        wallNightlyMedian: median.ratio,
        wallNightlyAll: rounds.map((r) => r.ratio),
        wallFirst: round2(first.wallMs / baseline.wallMs),
        rowsPerSecond: round2(nightly.rowsPerSecond / baseline.rowsPerSecond),
      },
      cpuPerRowUs: cpuPerRow(nightly),
    };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** The 1-minute load average, to one decimal. */
const load1 = (): number => Math.round(loadavg()[0]! * 10) / 10;
const loadNote = (load?: Load): string => (load ? `[load ${load.start} → ${load.end}]` : `[load ${load1()}]`);

/** The round whose ratio is the median (of an even count, the lower middle). */
function medianRound(rounds: readonly Round[]): Round {
  const sorted = [...rounds].sort((x, y) => x.ratio - y.ratio);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** Node CPU (user + system) per output row, per thread and in all, of one run. */
function cpuPerRow(run: RsRun): SizeResult['cpuPerRowUs'] {
  const threads = run.threads.map((t) => ({ name: t.name, cpuMs: Math.round(t.userMs + t.systemMs), perRowUs: round2(((t.userMs + t.systemMs) * 1000) / run.rows) }));
  const total = threads.reduce((n, t) => n + t.cpuMs, 0);
  return { total: round2((total * 1000) / run.rows), threads };
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

interface TargetCheck {
  readonly target: string;
  readonly value: string;
  readonly ok: boolean;
}

/** The highest peak RSS of a size's RosterSync runs (first and every nightly). */
const peakRss = (r: SizeResult): number => Math.max(r.first.maxRssBytes, ...r.rounds.map((x) => x.nightly.maxRssBytes));

function checkTargets(results: readonly SizeResult[]): TargetCheck[] {
  const largest = results.reduce((a, b) => (b.students > a.students ? b : a));
  const checks: TargetCheck[] = [
    ...results.map((r) => ({
      target: `wall ≤ 1.5× baseline (${r.students} students, median of ${r.rounds.length} nightly/baseline ratios)`,
      value: `${r.ratios.wallNightlyMedian}× (all: ${r.ratios.wallNightlyAll.join(', ')}; load ${r.nightly.load.start} at the median nightly run's start)`,
      ok: r.ratios.wallNightlyMedian <= 1.5,
    })),
    { target: `Node CPU per row ≤ 6 µs (${largest.students} students, median nightly run, all threads)`, value: `${largest.cpuPerRowUs.total} µs`, ok: largest.cpuPerRowUs.total <= 6 },
    { target: `peak RSS ≤ 400 MB (${largest.students} students)`, value: `${mb(peakRss(largest))} MB`, ok: peakRss(largest) <= 400 * 1024 * 1024 },
    { target: `validation + diff ≤ 30 % of the run (${largest.students} students)`, value: `${(largest.nightly.validationDiffShare * 100).toFixed(1)} %`, ok: largest.nightly.validationDiffShare <= 0.3 },
  ];
  const r100 = results.find((r) => r.students === 100_000);
  const r500 = results.find((r) => r.students === 500_000);
  if (r100 && r500) {
    const growth = peakRss(r500) / peakRss(r100) - 1;
    checks.push({ target: 'peak RSS growth 100k → 500k ≤ 20 %', value: `${(growth * 100).toFixed(1)} % (${mb(peakRss(r100))} → ${mb(peakRss(r500))} MB)`, ok: growth <= 0.2 });
  }
  return checks;
}

function printTable(results: readonly SizeResult[]): void {
  const head = ['students', 'rows', 'RS first s', 'RS nightly s (median round)', 'baseline s', 'ratio median', 'ratios', 'RS rows/s', 'base rows/s', 'RS peak RSS MB', 'valid+diff %'];
  const body = results.map((r) => [
    String(r.students),
    String(r.nightly.rows),
    `${sec(r.first.wallMs)} ${loadNote(r.first.load)}`,
    `${sec(r.nightly.wallMs)} ${loadNote(r.nightly.load)}`,
    `${sec(r.baseline.wallMs)} (${sec(r.baseline.extractMs)}+${sec(r.baseline.uploadMs)}) ${loadNote(r.baseline.load)}`,
    `${r.ratios.wallNightlyMedian}×`,
    r.ratios.wallNightlyAll.map((x) => `${x}×`).join(' '),
    String(r.nightly.rowsPerSecond),
    String(r.baseline.rowsPerSecond),
    String(mb(peakRss(r))),
    (r.nightly.validationDiffShare * 100).toFixed(1),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((c, i) => c.padStart(widths[i]!)).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of body) console.log(line(row));
  console.log('\nNode CPU per thread of the median nightly runs (user + system, read from /proc/self/task at the end of the run\'s process):');
  for (const r of results) {
    const threads = r.cpuPerRowUs.threads.map((t) => `${t.name} ${sec(t.cpuMs)} s = ${t.perRowUs} µs/row`).join('; ');
    console.log(`  ${r.students}: ${threads}; all threads ${r.cpuPerRowUs.total} µs/row over ${r.nightly.rows} rows ${loadNote(r.nightly.load)}`);
  }
  console.log('\nStage timings of the median nightly runs (ms):');
  for (const r of results) console.log(`  ${r.students}: ${JSON.stringify(r.nightly.stageTimings)}`);
}

async function main(): Promise<void> {
  const program = new Command('bench')
    .description('RosterSync (PostgreSQL → OneRoster 1.1 → OpenSSH SFTP) against psql \\copy + sftp -b, on the same data.')
    .option('--sizes <list>', 'district sizes in students, comma-separated (e.g. 10000,100000,500000)', parseSizes)
    .option('--quick', 'development mode: 10 000 students only (the default when --sizes is not given)', false)
    .option('--profile', 'write a CPU profile (.cpuprofile, open in Chrome DevTools) of each RosterSync run into <tmp>/rostersync-bench-profiles/', false)
    .option('--repeat <n>', 'back-to-back baseline + nightly rounds per size; the ratio reported is their median', parseRepeat, 3)
    .option('--reload', 'reload the districts even when the databases already hold them', false)
    .option('--out <file>', 'JSON results file (default bench/results/<timestamp>.json and latest.json)')
    .option('--node-args <flags>', 'Node/V8 flags for each RosterSync run\'s process, e.g. "--single-threaded-gc --v8-pool-size=1"', parseNodeArgs, [])
    .parse(process.argv);
  const opts = program.opts<{ sizes?: number[]; quick: boolean; profile: boolean; repeat: number; reload: boolean; out?: string; nodeArgs: string[] }>();
  const sizes = opts.sizes && !opts.quick ? [...opts.sizes].sort((a, b) => a - b) : [10_000];
  const resultsDir = join(root, 'bench', 'results');
  const profileDir = opts.profile ? join(tmpdir(), 'rostersync-bench-profiles') : undefined;
  if (profileDir) console.log(`CPU profiles go to ${profileDir}`);
  const log = (m: string): void => console.log(m);
  if (opts.nodeArgs.length) console.log(`RosterSync runs with node ${opts.nodeArgs.join(' ')}`);

  const server = await startSshd({ label: 'bench' });
  const results: SizeResult[] = [];
  try {
    for (const students of sizes) results.push(await benchSize(students, server, { reload: opts.reload, repeat: opts.repeat, profileDir, nodeArgs: opts.nodeArgs, log }));
  } finally {
    await server.dispose();
  }

  console.log('');
  printTable(results);
  const checks = checkTargets(results);
  console.log('\nTargets:');
  for (const c of checks) console.log(`  ${c.ok ? 'PASS' : 'FAIL'}  ${c.target}: ${c.value}`);

  const report = {
    date: new Date().toISOString(),
    nodeArgs: opts.nodeArgs,
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryMb: mb(totalmem()), node: process.version, platform: `${process.platform} ${process.arch}` },
    sizes: results,
    targets: checks,
  };
  mkdirSync(resultsDir, { recursive: true });
  const out = opts.out ? resolve(opts.out) : join(resultsDir, `${report.date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  if (!opts.out) writeFileSync(join(resultsDir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nResults written to ${out}`);
}

main().catch((error: unknown) => {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
