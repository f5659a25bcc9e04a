/**
 * The `run_locks` rows (migration 7's table): one row per destination being run, across processes.
 * Only the rows live here; whether a held lock is stale (pid liveness, heartbeat age) is the
 * scheduler's policy (src/scheduler/lock.ts), asked while the row is read and replaced in one
 * IMMEDIATE transaction so two processes never both take it.
 */
import type Database from 'better-sqlite3';

export interface RunLockRow {
  readonly destination: string;
  /** Identifies one holding: a release or heartbeat touches the row only while it is still this holding's. */
  readonly token: string;
  readonly pid: number;
  readonly host: string;
  readonly purpose: string;
  readonly acquiredAt: string;
  readonly heartbeatAt: string;
}

interface Raw {
  destination: string;
  token: string;
  pid: number;
  host: string;
  purpose: string;
  acquired_at: string;
  heartbeat_at: string;
}

const parse = (r: Raw): RunLockRow => ({
  destination: r.destination,
  token: r.token,
  pid: r.pid,
  host: r.host,
  purpose: r.purpose,
  acquiredAt: r.acquired_at,
  heartbeatAt: r.heartbeat_at,
});

export class RunLockTable {
  constructor(private readonly db: Database.Database) {}

  /**
   * Writes the row `newRow()` gives as the destination's lock, in one IMMEDIATE transaction (the
   * row is made once the write lock is held, so its times are those of the taking). When another
   * holding has the destination, `whenHeld(held)` decides first: it throws to refuse (nothing
   * changes) or returns to have the held row replaced.
   */
  take(destination: string, whenHeld: (held: RunLockRow) => void, newRow: () => RunLockRow): RunLockRow {
    return this.db
      .transaction(() => {
        const held = this.db.prepare('SELECT * FROM run_locks WHERE destination = ?').get(destination) as Raw | undefined;
        if (held) {
          whenHeld(parse(held));
          this.db.prepare('DELETE FROM run_locks WHERE destination = ? AND token = ?').run(held.destination, held.token);
        }
        const row = newRow();
        if (row.destination !== destination) throw new Error(`A lock row for ${row.destination} cannot be taken as ${destination}'s.`);
        this.db
          .prepare('INSERT INTO run_locks (destination, token, pid, host, purpose, acquired_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
          .run(row.destination, row.token, row.pid, row.host, row.purpose, row.acquiredAt, row.heartbeatAt);
        return row;
      })
      .immediate();
  }

  /** Refreshes the heartbeat of the holding `token` (nothing when it no longer holds the row). */
  heartbeat(destination: string, token: string, at: string): void {
    this.db.prepare('UPDATE run_locks SET heartbeat_at = ? WHERE destination = ? AND token = ?').run(at, destination, token);
  }

  /** Deletes the row if the holding `token` still has it; false when it did not (or the store is already closed). */
  release(destination: string, token: string): boolean {
    if (!this.db.open) return false;
    return this.db.prepare('DELETE FROM run_locks WHERE destination = ? AND token = ?').run(destination, token).changes > 0;
  }

  list(): RunLockRow[] {
    return (this.db.prepare('SELECT * FROM run_locks ORDER BY destination').all() as Raw[]).map(parse);
  }
}
