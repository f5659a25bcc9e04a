/**
 * Both cores (src/pipeline/file-worker.ts): enrollments.csv written by a worker thread while the main
 * thread writes the other files gives the same delivery as one thread — the same bytes, findings,
 * diff and log lines — and a reference the worker could not check that does not resolve sends the
 * file back to the main thread with the findings one thread gives. Cancel reaches a run waiting on its
 * worker; progress counts the worker's rows. Needs `npm run build` (the worker runs dist/'s script).
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAgent, closeAgent, type AgentContext } from '../../src/home/context.js';
import { setupDemo, DEMO_DESTINATION } from '../../src/agent/demo.js';
import { runDestination } from '../../src/agent/runner.js';
import { threadCpuTimes } from '../../src/pipeline/thread-cpu.js';
import type { LiveEvent } from '../../src/shared/api.contract.js';
import type { RunDetail } from '../../src/shared/run.js';

const WORKER_SCRIPT = join(__dirname, '..', '..', 'dist', 'src', 'pipeline', 'file-worker.js');
const REDONE = /written on the main thread after all/;

interface Home {
  readonly ctx: AgentContext;
  readonly outbox: string;
  readonly sisPath: string;
}

const homes: Home[] = [];
async function demoHome(): Promise<Home> {
  const ctx = openAgent(mkdtempSync(join(tmpdir(), 'rs-file-worker-')));
  const demo = await setupDemo(ctx);
  const home = { ctx, outbox: demo.outbox, sisPath: demo.sisPath };
  homes.push(home);
  return home;
}

afterEach(() => {
  delete process.env.ROSTERSYNC_FILE_WORKERS;
  for (const h of homes.splice(0)) closeAgent(h.ctx);
});

/** One run with the given worker mode; the run's detail and its outbox files. */
async function run(home: Home, mode: 'always' | 'never', onEvent?: (e: LiveEvent) => void, signal?: AbortSignal): Promise<{ detail: RunDetail; files: Map<string, Buffer> }> {
  process.env.ROSTERSYNC_FILE_WORKERS = mode;
  const result = await runDestination(home.ctx, DEMO_DESTINATION, { trigger: 'cli', onEvent, signal });
  const detail = home.ctx.store.getRunDetail(result.runId)!;
  const delivered = existsSync(home.outbox) ? readdirSync(home.outbox).filter((n) => n.endsWith('.csv')) : [];
  const files = new Map(delivered.map((n) => [n, readFileSync(join(home.outbox, n))]));
  return { detail, files };
}

/** What must be identical between one thread and two: everything but times and run ids. */
function comparable(detail: RunDetail, home: Home) {
  const homeDir = home.ctx.layout.home;
  const local = (text: string): string => text.split(homeDir).join('<home>').replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '<time>');
  return {
    status: detail.status,
    errors: detail.errors,
    warnings: detail.warnings,
    rows: detail.rows,
    message: local(detail.message ?? ''),
    findings: detail.findings,
    findingsTotal: detail.findingsTotal,
    diff: detail.diff,
    files: detail.files.map((f) => ({ name: f.name, rows: f.rows, bytes: f.bytes, sha256: f.sha256 })),
    events: detail.events.map((e) => local(`${e.level} ${e.stage} ${e.message}`)),
  };
}

/** Adds an enrollment of a student the SIS does not have (a reference the worker cannot check meanwhile). */
function addDanglingEnrollment(sisPath: string): void {
  const db = new Database(sisPath);
  try {
    const columns = (db.prepare('PRAGMA table_info(section_enrollments)').all() as { name: string }[]).map((c) => c.name);
    const values = columns.map((c) => (c === 'enr_id' ? '(SELECT MAX(enr_id) + 1 FROM section_enrollments)' : c === 'stu_id' ? "'999999'" : c));
    db.exec(`INSERT INTO section_enrollments (${columns.join(', ')}) SELECT ${values.join(', ')} FROM section_enrollments LIMIT 1`);
  } finally {
    db.close();
  }
}

describe('a file written by a worker thread', () => {
  beforeAll(() => {
    if (!existsSync(WORKER_SCRIPT)) throw new Error(`${WORKER_SCRIPT} is missing: run npm run build first.`);
  });

  it('delivers the same bytes, findings, diff and log as one thread, on the first run and the nightly one', async () => {
    const one = await demoHome();
    const two = await demoHome();
    for (const night of ['first', 'nightly']) {
      const before = threadCpuTimes().filter((t) => t.name.startsWith('file-worker')).length;
      const single = await run(one, 'never');
      const events: LiveEvent[] = [];
      const both = await run(two, 'always', (e) => events.push(e));
      expect(single.detail.status, night).toBe('success');
      expect(comparable(both.detail, two), night).toEqual(comparable(single.detail, one));
      expect([...both.files.keys()].sort()).toEqual([...single.files.keys()].sort());
      for (const [name, bytes] of single.files) expect(both.files.get(name)!.equals(bytes), `${night} ${name}`).toBe(true);
      // The worker wrote enrollments.csv (it reported its CPU time as it finished), and it was not written again.
      expect(threadCpuTimes().filter((t) => t.name.startsWith('file-worker')).length).toBe(before + 1);
      expect(both.detail.events.some((e) => REDONE.test(e.message))).toBe(false);
      // The run's stage timings say how the threads balanced: the worker's own time and the main thread's wait for it.
      expect(both.detail.stageTimings).toMatchObject({ 'extract.worker': expect.any(Number), 'extract.workerWait': expect.any(Number) });
      // Progress counted the worker's rows: the last count is every row written.
      const progress = events.filter((e): e is Extract<LiveEvent, { type: 'progress' }> => e.type === 'progress');
      expect(Math.max(...progress.map((p) => p.rows))).toBe(single.detail.files.filter((f) => f.name !== 'manifest.csv').reduce((n, f) => n + f.rows, 0));
    }
  });

  it('writes the file again on the main thread when a reference it took on trust does not resolve: the same findings as one thread', async () => {
    const one = await demoHome();
    const two = await demoHome();
    addDanglingEnrollment(one.sisPath);
    addDanglingEnrollment(two.sisPath);
    const single = await run(one, 'never');
    const both = await run(two, 'always');
    expect(single.detail.findings.some((f) => f.file === 'enrollments.csv' && f.rule === 'reference' && f.value === '999999')).toBe(true);
    expect(both.detail.events.some((e) => REDONE.test(e.message))).toBe(true);
    const { events: e1, ...rest1 } = comparable(single.detail, one);
    const { events: e2, ...rest2 } = comparable(both.detail, two);
    expect(rest2).toEqual(rest1);
    expect(e2.filter((e) => !REDONE.test(e))).toEqual(e1);
  });

  it('stops cleanly when cancelled while the main thread waits for the worker', async () => {
    const home = await demoHome();
    const cancel = new AbortController();
    const result = await run(
      home,
      'always',
      (e) => {
        if (e.type === 'progress' && e.file === 'enrollments.csv') cancel.abort();
      },
      cancel.signal,
    );
    expect(result.detail.status).toBe('failed');
    expect(result.detail.message).toMatch(/Stopped/);
    // Nothing was delivered.
    expect(result.files.size).toBe(0);
  });
});
