/**
 * One RosterSync run in its own process, so its peak RSS is the run's own
 * (process.resourceUsage().maxRSS). Started by bench/run.ts with a JSON job file:
 * sets up (idempotently) a PostgreSQL source reading the demo queries and an SFTP destination
 * pointing at the benchmark's OpenSSH server, runs the full sync and prints one JSON line.
 */
import { readFileSync } from 'node:fs';
import { openAgent, closeAgent, saveSecrets, destinationSecretOwner } from '../src/home/context.js';
import { DEMO_QUERIES_POSTGRES } from '../src/demo/queries.js';
import { sourceConfigSchema, destinationConfigSchema, type SiteMapEntry } from '../src/shared/config.schema.js';
import { getSourceDriver } from '../src/sources/registry.js';
import { runDestination } from '../src/agent/runner.js';
import { threadCpuTimes, type ThreadCpu } from '../src/pipeline/thread-cpu.js';

export interface ChildJob {
  readonly home: string;
  readonly database: string;
  readonly pg: { readonly host: string; readonly port: number; readonly user: string };
  readonly sftp: { readonly host: string; readonly port: number; readonly user: string; readonly password: string; readonly fingerprint: string; readonly remoteDir: string };
}

export interface ChildResult {
  readonly runId: number;
  readonly status: string;
  readonly message: string;
  readonly runMs: number;
  readonly rows: number;
  readonly bytes: number;
  readonly files: readonly { name: string; rows: number; bytes: number }[];
  readonly stageTimings: Readonly<Record<string, number>>;
  readonly errors: number;
  readonly warnings: number;
  readonly hadPrevious: boolean;
  readonly maxRssBytes: number;
  readonly userCpuMs: number;
  readonly systemCpuMs: number;
  /** Peaks of process.memoryUsage() sampled every 200 ms (MB), to see what the RSS is made of. */
  readonly memoryPeaksMb: Readonly<Record<string, number>>;
  /** CPU time per thread of the whole child (set-up and the run), read from /proc/self/task at its end (src/pipeline/thread-cpu.ts). */
  readonly threads: readonly ThreadCpu[];
  /** The Node/V8 flags this process runs with (bench --node-args). */
  readonly execArgv: readonly string[];
}

export const SOURCE = 'bench-sis';
export const DESTINATION = 'bench-sftp';
export const RESULT_PREFIX = 'BENCH-RESULT ';

async function main(): Promise<void> {
  const job = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as ChildJob;
  const ctx = openAgent(job.home);
  try {
    // BENCH_PG_BATCH: rows per cursor fetch (the source's batchSize setting), to compare batch sizes.
    const batch = process.env.BENCH_PG_BATCH ? { batchSize: Number(process.env.BENCH_PG_BATCH) } : {};
    // The bench reads as the superuser that loaded the district (requireReadOnlyLogin would refuse it; the SIS is a throw-away copy).
    const settings = { host: job.pg.host, port: job.pg.port, database: job.database, user: job.pg.user, requireReadOnlyLogin: false, ...batch };
    ctx.store.saveSource(
      sourceConfigSchema.parse({
        name: SOURCE,
        type: 'postgres',
        settings,
        entities: Object.fromEntries(Object.entries(DEMO_QUERIES_POSTGRES).map(([entity, query]) => [entity, { query }])),
      }),
    );
    ctx.store.saveDestination(
      destinationConfigSchema.parse({
        name: DESTINATION,
        source: SOURCE,
        format: 'oneroster-1.1',
        type: 'sftp',
        settings: { host: job.sftp.host, port: job.sftp.port, username: job.sftp.user, remoteDir: job.sftp.remoteDir, trustedFingerprint: job.sftp.fingerprint },
        keepDeliveredDays: 0,
      }),
    );
    saveSecrets(ctx, destinationSecretOwner(DESTINATION), { password: job.sftp.password });
    if (!ctx.store.getSiteMap(DESTINATION).length) {
      // Every school gets a vendor site ID, as a vendor would hand them out.
      const session = await getSourceDriver('postgres').open(settings, {});
      const siteMap: SiteMapEntry[] = [];
      try {
        for await (const { row } of session.read({ entity: 'schools', query: DEMO_QUERIES_POSTGRES.schools })) {
          siteMap.push({ schoolCode: row.school_code ?? '', siteId: `SITE-${row.school_code ?? ''}`, label: row.name ?? '' });
        }
      } finally {
        await session.close();
      }
      ctx.store.replaceSiteMap(DESTINATION, siteMap);
    }
    const peaks: Record<string, number> = {};
    const sampler = setInterval(() => {
      const m = process.memoryUsage() as unknown as Record<string, number>;
      for (const [k, v] of Object.entries(m)) peaks[k] = Math.max(peaks[k] ?? 0, Math.round(v / 1048576));
    }, 200);
    sampler.unref();
    const before = ctx.store.listRuns({ destination: DESTINATION }).some((r) => r.status === 'success');
    const started = performance.now();
    const result = await runDestination(ctx, DESTINATION, { trigger: 'cli' });
    const runMs = Math.round(performance.now() - started);
    clearInterval(sampler);
    const detail = ctx.store.getRunDetail(result.runId)!;
    const csv = result.files.filter((f) => f.name.endsWith('.csv'));
    const usage = process.resourceUsage();
    const out: ChildResult = {
      runId: result.runId,
      status: result.status,
      message: result.message,
      runMs,
      rows: csv.filter((f) => f.name !== 'manifest.csv').reduce((n, f) => n + f.rows, 0),
      bytes: csv.reduce((n, f) => n + f.bytes, 0),
      files: csv.map((f) => ({ name: f.name, rows: f.rows, bytes: f.bytes })),
      stageTimings: detail.stageTimings,
      errors: result.errors,
      warnings: result.warnings,
      hadPrevious: before,
      maxRssBytes: usage.maxRSS * 1024,
      userCpuMs: Math.round(usage.userCPUTime / 1000),
      systemCpuMs: Math.round(usage.systemCPUTime / 1000),
      memoryPeaksMb: peaks,
      threads: threadCpuTimes(),
      execArgv: process.execArgv,
    };
    process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(out)}\n`);
  } finally {
    closeAgent(ctx);
  }
}

// Only when run as the child (bench/run.ts imports the types and constants).
if (process.argv[1]?.endsWith('child.js')) {
  main().catch((error: unknown) => {
    console.error(`bench child: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  });
}
