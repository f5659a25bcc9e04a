/**
 * The publish journal's rows in the store (migration 3). A row is opened before a destination
 * creates its temporaries (`staging`) or changes anything under a final name (`publishing`), and
 * closed when the publish ended or a later start rolled it forward or back. Plans are stored as the
 * JSON the destination driver gave; this table does not interpret them.
 */
import type Database from 'better-sqlite3';

export const JOURNAL_OPEN_STATES = ['staging', 'publishing'] as const;
export const JOURNAL_STATES = [...JOURNAL_OPEN_STATES, 'published', 'rolled-forward', 'rolled-back', 'abandoned'] as const;
export type JournalState = (typeof JOURNAL_STATES)[number];

export interface JournalRow<Plan, Resume> {
  readonly id: number;
  readonly runId: number;
  readonly destination: string;
  readonly state: JournalState;
  readonly plan: Plan;
  /** What the run records once the publish is through (status and message), kept for a roll forward. */
  readonly resume: Resume;
  readonly openedAt: string;
  readonly closedAt: string | null;
  readonly note: string | null;
}

interface Raw {
  id: number;
  run_id: number;
  destination: string;
  state: JournalState;
  plan: string;
  resume: string;
  opened_at: string;
  closed_at: string | null;
  note: string | null;
}

const parse = <P, R>(r: Raw): JournalRow<P, R> => ({
  id: r.id,
  runId: r.run_id,
  destination: r.destination,
  state: r.state,
  plan: JSON.parse(r.plan) as P,
  resume: JSON.parse(r.resume) as R,
  openedAt: r.opened_at,
  closedAt: r.closed_at,
  note: r.note,
});

export class PublishJournalTable {
  constructor(private readonly db: Database.Database) {}

  open(entry: { runId: number; destination: string; state: JournalState; plan: unknown; resume: unknown; at: string }): number {
    const info = this.db
      .prepare('INSERT INTO publish_journal (run_id, destination, state, plan, resume, opened_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(entry.runId, entry.destination, entry.state, JSON.stringify(entry.plan), JSON.stringify(entry.resume), entry.at);
    return Number(info.lastInsertRowid);
  }

  /** Moves an open row on (`staging` → `publishing` with its plan) or closes it (`at` given). */
  advance(id: number, change: { state: JournalState; plan?: unknown; at?: string; note?: string }): void {
    this.db
      .prepare('UPDATE publish_journal SET state = ?, plan = COALESCE(?, plan), closed_at = COALESCE(?, closed_at), note = COALESCE(?, note) WHERE id = ?')
      .run(change.state, change.plan === undefined ? null : JSON.stringify(change.plan), change.at ?? null, change.note ?? null, id);
  }

  /** Rows still open (oldest first), of one destination or all. */
  listOpen<P, R>(destination?: string): JournalRow<P, R>[] {
    const rows = this.db
      .prepare(`SELECT * FROM publish_journal WHERE state IN ('staging', 'publishing') ${destination === undefined ? '' : 'AND destination = ?'} ORDER BY id`)
      .all(...(destination === undefined ? [] : [destination])) as Raw[];
    return rows.map((r) => parse<P, R>(r));
  }
}
