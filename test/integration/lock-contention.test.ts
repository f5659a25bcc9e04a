/**
 * One runner per destination across real processes: a second process holding the lock refuses
 * runDestination, approveHeldRun and the CLI with a message naming the holder; a lock left by a process
 * killed with SIGKILL, or with a heartbeat gone quiet, is detected as stale and taken over.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAgent, closeAgent, type AgentContext } from '../../src/home/context.js';
import { setupDemo, DEMO_DESTINATION } from '../../src/agent/demo.js';
import { approveHeldRun, runDestination } from '../../src/agent/runner.js';
import { acquireDestinationLock, busyMessage, DestinationBusyError, listLocks, releaseStaleLocks, type LockHolder } from '../../src/scheduler/lock.js';
import { deadPid, killAllStarted, REPO_ROOT, runCli, spawnTs } from '../helpers/child-process.js';

let ctx: AgentContext;
let home: string;
const HOLDER = join(REPO_ROOT, 'test/helpers/lock-holder.ts');

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'rs-lock-'));
  ctx = openAgent(home);
  await setupDemo(ctx, { students: 40 });
});
afterAll(async () => {
  await killAllStarted();
  closeAgent(ctx);
});

/** A lock row as another process (alive, dead or frozen, here or on another host) left it. */
const insertLock = (row: { destination: string; pid: number; host?: string; acquiredAt?: string; heartbeatAt?: string }): void => {
  const at = new Date().toISOString();
  ctx.store.locks.take(
    row.destination,
    (held) => {
      throw new Error(`${row.destination} is already locked by pid ${held.pid}`);
    },
    () => ({ destination: row.destination, token: 'test-token', pid: row.pid, host: row.host ?? hostname(), purpose: 'test', acquiredAt: row.acquiredAt ?? at, heartbeatAt: row.heartbeatAt ?? at }),
  );
};

describe('the lock within one process', () => {
  it('refuses a second holder with the holder named, and is free again after release', () => {
    const lock = acquireDestinationLock(ctx.store, 'alpha', { purpose: 'schedule', heartbeatMs: 0 });
    expect(listLocks(ctx.store)).toEqual([expect.objectContaining({ destination: 'alpha', pid: process.pid, purpose: 'schedule' })]);
    let error: unknown;
    try {
      acquireDestinationLock(ctx.store, 'alpha', { heartbeatMs: 0 });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DestinationBusyError);
    expect((error as Error).message).toMatch(new RegExp(`^alpha is already running \\(pid ${process.pid} since \\d\\d:\\d\\d:\\d\\d\\)\\.$`));
    // another destination is independent
    acquireDestinationLock(ctx.store, 'beta', { heartbeatMs: 0 }).release();
    lock.release();
    lock.release();
    expect(listLocks(ctx.store)).toEqual([]);
    acquireDestinationLock(ctx.store, 'alpha', { heartbeatMs: 0 }).release();
  });

  it('words the message for another host and another day', () => {
    const holder: LockHolder = { destination: 'demo-outbox', pid: 1234, host: 'sis-server-2', purpose: 'schedule', acquiredAt: new Date(2026, 0, 5, 2, 0, 13).toISOString(), heartbeatAt: new Date().toISOString() };
    expect(busyMessage(holder, new Date(2026, 0, 5, 9, 0, 0))).toBe('demo-outbox is already running (pid 1234 on sis-server-2 since 02:00:13).');
    expect(busyMessage({ ...holder, host: hostname() }, new Date(2026, 0, 6, 9, 0, 0))).toBe('demo-outbox is already running (pid 1234 since 2026-01-05 02:00:13).');
  });

  it('keeps the heartbeat fresh while held', async () => {
    const lock = acquireDestinationLock(ctx.store, 'gamma', { heartbeatMs: 20 });
    const first = lock.holder.heartbeatAt;
    await new Promise((r) => setTimeout(r, 120));
    expect(listLocks(ctx.store).find((l) => l.destination === 'gamma')!.heartbeatAt > first).toBe(true);
    lock.release();
  });
});

describe('stale locks', () => {
  it('releases a lock whose process is gone', async () => {
    const pid = await deadPid();
    insertLock({ destination: 'delta', pid });
    const stale: string[] = [];
    const lock = acquireDestinationLock(ctx.store, 'delta', { heartbeatMs: 0, onStale: (h, why) => stale.push(`${h.pid}: ${why}`) });
    expect(stale).toEqual([`${pid}: process ${pid} is gone`]);
    expect(lock.holder.pid).toBe(process.pid);
    lock.release();
  });

  it('releases a lock whose heartbeat is older than the limit, even if the pid is alive', () => {
    const old = new Date(Date.now() - 11 * 60_000).toISOString();
    insertLock({ destination: 'epsilon', pid: process.pid, acquiredAt: old, heartbeatAt: old });
    const stale: string[] = [];
    acquireDestinationLock(ctx.store, 'epsilon', { heartbeatMs: 0, onStale: (_h, why) => stale.push(why) }).release();
    expect(stale).toEqual(['no heartbeat for 11 minute(s)']);
  });

  it('keeps a fresh lock held from another host (its pid cannot be checked here)', () => {
    insertLock({ destination: 'zeta', pid: 1, host: 'other-host' });
    expect(() => acquireDestinationLock(ctx.store, 'zeta', { heartbeatMs: 0 })).toThrow(/zeta is already running \(pid 1 on other-host since/);
    expect(releaseStaleLocks(ctx.store)).toEqual([]);
    expect(releaseStaleLocks(ctx.store, { now: new Date(Date.now() + 11 * 60_000) })).toEqual([
      { holder: expect.objectContaining({ destination: 'zeta', host: 'other-host' }), why: 'no heartbeat for 11 minute(s)' },
    ]);
  });
});

describe('two real processes', () => {
  it('a run is refused while another process holds the destination, then proceeds once that process is killed', async () => {
    const holder = spawnTs(HOLDER, [home, DEMO_DESTINATION]);
    await holder.waitFor(/LOCKED \d+/);
    const runsBefore = ctx.store.listRuns().length;

    // this process
    const refused = await runDestination(ctx, DEMO_DESTINATION, { trigger: 'manual' }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(DestinationBusyError);
    expect((refused as DestinationBusyError).holder.pid).toBe(holder.pid);
    expect((refused as Error).message).toMatch(new RegExp(`^demo-outbox is already running \\(pid ${holder.pid} since \\d\\d:\\d\\d:\\d\\d\\)\\.$`));

    // a third process: the CLI
    const cli = await runCli(['run', DEMO_DESTINATION, '--home', home]);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain(`demo-outbox is already running (pid ${holder.pid} since`);
    // refused before a run was recorded
    expect(ctx.store.listRuns().length).toBe(runsBefore);

    // the holder dies without releasing: the next runner detects it and takes over
    holder.child.kill('SIGKILL');
    await holder.exited;
    expect(listLocks(ctx.store).map((l) => l.pid)).toEqual([holder.pid]);
    const result = await runDestination(ctx, DEMO_DESTINATION, { trigger: 'manual' });
    expect(result.status).toBe('success');
    expect(listLocks(ctx.store)).toEqual([]);
  });

  it('a holder that releases normally lets the next run in; approving a run honours the lock too', async () => {
    const done = await runDestination(ctx, DEMO_DESTINATION, { trigger: 'manual' });
    const holder = spawnTs(HOLDER, [home, DEMO_DESTINATION]);
    await holder.waitFor(/LOCKED/);
    await expect(approveHeldRun(ctx, done.runId)).rejects.toThrow(`demo-outbox is already running (pid ${holder.pid} since`);
    holder.child.stdin!.end();
    await holder.waitFor(/RELEASED/);
    await holder.exited;
    expect(listLocks(ctx.store)).toEqual([]);
    // with the lock free, approval gets as far as its own checks
    await expect(approveHeldRun(ctx, done.runId)).rejects.toThrow(/is success, not held/);
  });

  it('the second of two processes asking for the same lock is refused', async () => {
    const first = spawnTs(HOLDER, [home, 'shared-dest']);
    await first.waitFor(/LOCKED/);
    const second = spawnTs(HOLDER, [home, 'shared-dest']);
    const finished = await second.exited;
    expect(finished.code).toBe(3);
    expect(finished.stdout).toContain(`BUSY shared-dest is already running (pid ${first.pid} since`);
    first.child.stdin!.end();
    await first.exited;
  });
});
