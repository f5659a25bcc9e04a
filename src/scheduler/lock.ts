/**
 * One runner per destination, across processes: the agent's scheduler, a manual `rostersync run`,
 * the tray app and the local API all share the store, so the lock is a row in it (`run_locks`,
 * src/store/run-locks-table.ts), taken in an IMMEDIATE transaction (SQLite serialises writers
 * across processes). The rows are the store's; when a held one is stale is decided here.
 *
 * The holder writes its pid, host and a heartbeat (refreshed every 30 s while the lock is held).
 * A lock is stale — and is taken over, with a note — when its process is gone (same host, pid not
 * alive) or its heartbeat is older than `staleAfterMs` (a frozen process or another host).
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { RunLockRow } from '../store/run-locks-table.js';
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

/** The holder as others see it: the row without the token that proves a holding is this one. */
const toHolder = ({ token: _token, ...holder }: RunLockRow): LockHolder => holder;

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
  const row = store.locks.take(
    destination,
    (held) => {
      const holder = toHolder(held);
      const why = staleReason(holder, { now: now(), staleAfterMs: options.staleAfterMs, isAlive: options.isAlive, host });
      if (!why) throw new DestinationBusyError(holder);
      options.onStale?.(holder, why);
    },
    (): RunLockRow => {
      const at = now().toISOString();
      return { destination, token, pid, host, purpose: options.purpose ?? 'run', acquiredAt: at, heartbeatAt: at };
    },
  );
  const holder = toHolder(row);

  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  let timer: NodeJS.Timeout | undefined;
  if (heartbeatMs > 0) {
    timer = setInterval(() => {
      try {
        store.locks.heartbeat(destination, token, now().toISOString());
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
      store.locks.release(destination, token);
    },
  };
}

export function listLocks(store: Store): LockHolder[] {
  return store.locks.list().map(toHolder);
}

/** Releases every stale lock (e.g. at agent start-up) and returns what was released, with why. */
export function releaseStaleLocks(
  store: Store,
  options: { now?: Date; staleAfterMs?: number; isAlive?: (pid: number) => boolean; host?: string } = {},
): { holder: LockHolder; why: string }[] {
  const released: { holder: LockHolder; why: string }[] = [];
  for (const row of store.locks.list()) {
    const holder = toHolder(row);
    const why = staleReason(holder, options);
    if (!why) continue;
    if (store.locks.release(row.destination, row.token)) released.push({ holder, why });
  }
  return released;
}
