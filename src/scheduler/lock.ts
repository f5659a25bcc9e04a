/**
 * One runner per destination, across processes: the agent's scheduler, a manual `rostersync run`,
 * the tray app and the local API all share the store, so the lock is a row in it (`run_locks`),
 * taken in an IMMEDIATE transaction (SQLite serialises writers across processes).
 *
 * The holder writes its pid, host and a heartbeat (refreshed every 30 s while the lock is held).
 * A lock is stale — and is taken over, with a note — when its process is gone (same host, pid not
 * alive) or its heartbeat is older than `staleAfterMs` (a frozen process or another host).
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Store } from '../store/store.js';
import { pidIsAlive } from '../store/store.js';

export interface LockHolder {
  readonly destination: string;
  readonly pid: number;
  readonly host: string;
  /** What holds it: the run trigger ('schedule', 'cli', 'approval'…). */
  readonly purpose: string;
  readonly acquiredAt: string;
  readonly heartbeatAt: string;
}

export interface LockOptions {
  readonly purpose?: string;
  /** A heartbeat older than this marks the lock stale (default 10 minutes). */
  readonly staleAfterMs?: number;
  /** How often the holder refreshes its heartbeat (default 30 s; 0 = never, for tests). */
  readonly heartbeatMs?: number;
  readonly now?: () => Date;
  readonly isAlive?: (pid: number) => boolean;
  readonly pid?: number;
  readonly host?: string;
  /** Told when a stale lock was released to take this one. */
  readonly onStale?: (stale: LockHolder, why: string) => void;
}

export interface DestinationLock {
  readonly holder: LockHolder;
  /** Releases the lock (only if this holder still has it). Safe to call twice. */
  release(): void;
}

export const DEFAULT_STALE_AFTER_MS = 10 * 60_000;
const DEFAULT_HEARTBEAT_MS = 30_000;

/** Another runner has this destination. The message is meant for the person who asked. */
export class DestinationBusyError extends Error {
  constructor(readonly holder: LockHolder) {
    super(busyMessage(holder));
    this.name = 'DestinationBusyError';
  }
}

function clockTime(iso: string, now: Date): string {
  const at = new Date(iso);
  const pad = (n: number): string => String(n).padStart(2, '0');
  const time = `${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}`;
  const sameDay = at.toDateString() === now.toDateString();
  return sameDay ? time : `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${time}`;
}

/** "demo-outbox is already running (pid 1234 since 02:00:13)". */
export function busyMessage(holder: LockHolder, now = new Date()): string {
  const where = holder.host === hostname() ? '' : ` on ${holder.host}`;
  return `${holder.destination} is already running (pid ${holder.pid}${where} since ${clockTime(holder.acquiredAt, now)}).`;
}

interface LockRow {
  destination: string;
  token: string;
  pid: number;
  host: string;
  purpose: string;
  acquired_at: string;
  heartbeat_at: string;
}

const toHolder = (r: LockRow): LockHolder => ({
  destination: r.destination,
  pid: r.pid,
  host: r.host,
  purpose: r.purpose,
  acquiredAt: r.acquired_at,
  heartbeatAt: r.heartbeat_at,
});

/** Why a held lock is stale, or undefined when its holder looks alive. */
export function staleReason(
  holder: LockHolder,
  options: { now?: Date; staleAfterMs?: number; isAlive?: (pid: number) => boolean; host?: string } = {},
): string | undefined {
  const now = options.now ?? new Date();
  const host = options.host ?? hostname();
  const isAlive = options.isAlive ?? pidIsAlive;
  if (holder.host === host && !isAlive(holder.pid)) return `process ${holder.pid} is gone`;
  const age = now.getTime() - new Date(holder.heartbeatAt).getTime();
  const limit = options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
  if (age > limit) return `no heartbeat for ${Math.round(age / 60_000)} minute(s)`;
  return undefined;
}

/**
 * Takes the destination's lock or throws DestinationBusyError naming the holder. A stale lock is
 * released first (reported through `onStale`).
 */
export function acquireDestinationLock(store: Store, destination: string, options: LockOptions = {}): DestinationLock {
  const now = options.now ?? (() => new Date());
  const pid = options.pid ?? process.pid;
  const host = options.host ?? hostname();
  const token = randomUUID();
  const db = store.db;
  const take = db.transaction((): LockHolder => {
    const row = db.prepare('SELECT * FROM run_locks WHERE destination = ?').get(destination) as LockRow | undefined;
    if (row) {
      const holder = toHolder(row);
      const why = staleReason(holder, { now: now(), staleAfterMs: options.staleAfterMs, isAlive: options.isAlive, host });
      if (!why) throw new DestinationBusyError(holder);
      db.prepare('DELETE FROM run_locks WHERE destination = ? AND token = ?').run(destination, row.token);
      options.onStale?.(holder, why);
    }
    const at = now().toISOString();
    db.prepare('INSERT INTO run_locks (destination, token, pid, host, purpose, acquired_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
      destination,
      token,
      pid,
      host,
      options.purpose ?? 'run',
      at,
      at,
    );
    return { destination, pid, host, purpose: options.purpose ?? 'run', acquiredAt: at, heartbeatAt: at };
  });
  const holder = take.immediate();

  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  let timer: NodeJS.Timeout | undefined;
  if (heartbeatMs > 0) {
    timer = setInterval(() => {
      try {
        db.prepare('UPDATE run_locks SET heartbeat_at = ? WHERE destination = ? AND token = ?').run(now().toISOString(), destination, token);
      } catch {
        // the store was closed under us: the holder is going away; nothing to refresh
        clearInterval(timer);
      }
    }, heartbeatMs);
    timer.unref();
  }
  let released = false;
  return {
    holder,
    release() {
      if (released) return;
      released = true;
      if (timer) clearInterval(timer);
      if (db.open) db.prepare('DELETE FROM run_locks WHERE destination = ? AND token = ?').run(destination, token);
    },
  };
}

export function listLocks(store: Store): LockHolder[] {
  return (store.db.prepare('SELECT * FROM run_locks ORDER BY destination').all() as LockRow[]).map(toHolder);
}

/** Releases every stale lock (e.g. at agent start-up) and returns what was released, with why. */
export function releaseStaleLocks(
  store: Store,
  options: { now?: Date; staleAfterMs?: number; isAlive?: (pid: number) => boolean; host?: string } = {},
): { holder: LockHolder; why: string }[] {
  const released: { holder: LockHolder; why: string }[] = [];
  const rows = store.db.prepare('SELECT * FROM run_locks').all() as LockRow[];
  for (const row of rows) {
    const holder = toHolder(row);
    const why = staleReason(holder, options);
    if (!why) continue;
    if (store.db.prepare('DELETE FROM run_locks WHERE destination = ? AND token = ?').run(row.destination, row.token).changes) released.push({ holder, why });
  }
  return released;
}
