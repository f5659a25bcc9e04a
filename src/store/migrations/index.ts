/**
 * Ordered schema migrations of the agent's store. Each runs once, in a transaction, and bumps
 * `PRAGMA user_version`; an older database is upgraded in place on open. Never edit a shipped
 * migration: add the next one (and a test in test/unit/store-migrations.test.ts).
 */
export interface Migration {
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'configuration, site maps, secrets, runs, files, events, findings, audit ledger, locks',
    sql: `
      CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE sources (
        name TEXT PRIMARY KEY,
        type TEXT NOT NULL,
        config TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE destinations (
        name TEXT PRIMARY KEY,
        config TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE custom_formats (id TEXT PRIMARY KEY, definition TEXT NOT NULL, updated_at TEXT NOT NULL);
      CREATE TABLE site_map (
        destination TEXT NOT NULL,
        school_code TEXT NOT NULL,
        site_id TEXT NOT NULL,
        label TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (destination, school_code)
      );
      CREATE TABLE secrets (
        owner TEXT NOT NULL,
        field TEXT NOT NULL,
        sealed TEXT NOT NULL,
        PRIMARY KEY (owner, field)
      );
      CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        destination TEXT NOT NULL,
        trigger TEXT NOT NULL,
        status TEXT NOT NULL,
        dry_run INTEGER NOT NULL DEFAULT 0,
        started_at TEXT NOT NULL,
        ended_at TEXT,
        errors INTEGER NOT NULL DEFAULT 0,
        warnings INTEGER NOT NULL DEFAULT 0,
        rows INTEGER NOT NULL DEFAULT 0,
        message TEXT,
        pid INTEGER,
        output_dir TEXT,
        stage_timings TEXT NOT NULL DEFAULT '{}',
        hold_reasons TEXT NOT NULL DEFAULT '[]',
        diff TEXT NOT NULL DEFAULT '[]'
      );
      CREATE INDEX runs_by_destination ON runs (destination, started_at);
      CREATE INDEX runs_by_status ON runs (status);
      CREATE TABLE run_files (
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        rows INTEGER NOT NULL,
        bytes INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        remote_path TEXT,
        delivered_bytes INTEGER,
        duration_ms INTEGER,
        attempts INTEGER,
        personal_columns TEXT NOT NULL DEFAULT '[]',
        PRIMARY KEY (run_id, name)
      );
      CREATE TABLE run_events (
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        at TEXT NOT NULL,
        level TEXT NOT NULL,
        stage TEXT NOT NULL,
        message TEXT NOT NULL,
        PRIMARY KEY (run_id, seq)
      );
      CREATE TABLE run_findings (
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        severity TEXT NOT NULL,
        file TEXT NOT NULL,
        row INTEGER NOT NULL,
        column_name TEXT NOT NULL,
        value TEXT NOT NULL,
        rule TEXT NOT NULL,
        message TEXT NOT NULL,
        origin TEXT
      );
      CREATE INDEX run_findings_by_run ON run_findings (run_id, severity);
      CREATE TABLE audit_ledger (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id INTEGER NOT NULL,
        destination TEXT NOT NULL,
        destination_type TEXT NOT NULL,
        delivered_at TEXT NOT NULL,
        file TEXT NOT NULL,
        remote_path TEXT,
        records INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        personal_columns TEXT NOT NULL
      );
      CREATE INDEX audit_by_time ON audit_ledger (delivered_at);
      CREATE TABLE destination_state (
        destination TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (destination, key)
      );
    `,
  },
  {
    version: 2,
    description: 'run_locks: one runner per destination across processes (CLI, agent, tray), with heartbeat for stale-lock recovery',
    sql: `
      CREATE TABLE run_locks (
        destination TEXT PRIMARY KEY,
        token TEXT NOT NULL,
        pid INTEGER NOT NULL,
        host TEXT NOT NULL,
        purpose TEXT NOT NULL,
        acquired_at TEXT NOT NULL,
        heartbeat_at TEXT NOT NULL
      );
    `,
  },
  {
    version: 3,
    description:
      'publish journal (a set\'s plan recorded before its first rename, for roll forward/back after a crash); audit ledger entries get a status (publishing → complete | rolled-back), per-column counts of non-blank personal values, and a note',
    sql: `
      CREATE TABLE publish_journal (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id INTEGER NOT NULL,
        destination TEXT NOT NULL,
        state TEXT NOT NULL,
        plan TEXT NOT NULL,
        resume TEXT NOT NULL,
        opened_at TEXT NOT NULL,
        closed_at TEXT,
        note TEXT
      );
      CREATE INDEX publish_journal_by_state ON publish_journal (state, destination);
      ALTER TABLE audit_ledger ADD COLUMN status TEXT NOT NULL DEFAULT 'complete';
      ALTER TABLE audit_ledger ADD COLUMN column_counts TEXT NOT NULL DEFAULT '{}';
      ALTER TABLE audit_ledger ADD COLUMN note TEXT;
      CREATE INDEX audit_by_run ON audit_ledger (run_id);
      ALTER TABLE run_files ADD COLUMN personal_counts TEXT NOT NULL DEFAULT '{}';
    `,
  },
  {
    version: 4,
    description: 'secrets.binding/bound_to: the connection each secret was saved for (hash and readable label), so it is sent nowhere else',
    sql: `
      ALTER TABLE secrets ADD COLUMN binding TEXT;
      ALTER TABLE secrets ADD COLUMN bound_to TEXT;
    `,
  },
  {
    version: 5,
    description: 'custom_profiles: SIS profiles cloned or imported by the admin (src/profiles/profile.schema.ts checks them), like custom_formats',
    sql: `
      CREATE TABLE custom_profiles (id TEXT PRIMARY KEY, definition TEXT NOT NULL, updated_at TEXT NOT NULL);
    `,
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
