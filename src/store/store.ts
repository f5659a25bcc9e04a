/**
 * The agent's own store: one SQLite file in the home folder (WAL), schema versioned by
 * PRAGMA user_version and upgraded in place by the ordered migrations.
 */
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { chmodSync, constants as fsConstants, copyFileSync, existsSync, linkSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  destinationConfigSchema,
  sourceConfigSchema,
  notificationsSchema,
  settingsSchema,
  type DestinationConfig,
  type SourceConfig,
  type SiteMapEntry,
  type NotificationsConfig,
} from '../shared/config.schema.js';
import type { z } from 'zod';
import { MIGRATIONS, type Migration } from './migrations/index.js';
import { PublishJournalTable } from './publish-journal-table.js';
import { RunLockTable } from './run-locks-table.js';
import { backupFileName, isCorruptionError, listBackups, StoreFileError, storeFileProblem } from './store-file.js';
import type {
  Finding,
  FileDiff,
  RunDetail,
  RunEvent,
  RunFileRecord,
  RunStatus,
  RunSummary,
  RunTrigger,
} from '../shared/run.js';

export type StoreDatabase = Database.Database;

/** destination_state key: the latest interrupted run of a destination, until the agent takes it for a retry. */
const INTERRUPTED_KEY = 'interrupted.run';

export function migrate(db: StoreDatabase, migrations: readonly Migration[] = MIGRATIONS): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations.length ? migrations[migrations.length - 1]!.version : 0;
  if (current > latest) {
    throw new Error(
      `The store was written by a newer RosterSync (schema ${current}; this version knows up to ${latest}). Upgrade RosterSync or restore a backup.`,
    );
  }
  for (const m of migrations) {
    if (m.version <= current) continue;
    // IMMEDIATE takes the write lock before reading the version, so processes opening the same
    // store at once run each migration exactly once instead of failing on each other's tables.
    db.transaction(() => {
      if ((db.pragma('user_version', { simple: true }) as number) >= m.version) return;
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
  return latest;
}

function openDatabase(path: string): StoreDatabase {
  const db = new Database(path);
  db.pragma('busy_timeout = 10000');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  return db;
}

/**
 * A new store is built complete under a temporary name and linked into place (exclusive: a
 * concurrent opener's store wins, never gets replaced), so a store file that exists is always a
 * whole one, and an empty or short file can only mean damage.
 */
function createStoreExclusively(path: string): void {
  const temp = `${path}.new-${process.pid}-${randomBytes(4).toString('hex')}`;
  const db = openDatabase(temp);
  try {
    migrate(db);
  } finally {
    db.close();
  }
  try {
    linkSync(temp, path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // File systems without hard links: an exclusive copy still never replaces a store.
    if (code !== 'EEXIST') {
      try {
        copyFileSync(temp, path, fsConstants.COPYFILE_EXCL);
      } catch (copyErr) {
        if ((copyErr as NodeJS.ErrnoException).code !== 'EEXIST') throw copyErr;
      }
    }
  } finally {
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${temp}${suffix}`, { force: true });
  }
}

export interface StoreOptions {
  /** Where backups go (automatic ones before a migration, and the default of `store backup`): `<store folder>/backups`. */
  readonly backupsDir?: string;
}

export type GeneralSettings = z.infer<typeof settingsSchema>;

/** What the configuration checks need to know besides the value itself. */
export interface ConfigLookup {
  hasSource(name: string): boolean;
  hasDestination(name: string): boolean;
  /** Custom formats as stored (raw definitions). */
  customFormats(): readonly unknown[];
  /** Custom SIS profiles as stored (raw definitions). */
  customProfiles(): readonly unknown[];
}

/**
 * The checks every configuration value passes before it is stored (src/home/config-door.ts): the
 * same for `config import`, the local API and any other caller of the save methods. Each returns
 * the parsed value or throws ConfigError (src/shared/config-issues.ts) naming the path of every problem.
 */
export interface ConfigDoor {
  source(input: unknown, lookup: ConfigLookup): SourceConfig;
  destination(input: unknown, lookup: ConfigLookup): DestinationConfig;
  siteMap(destination: string, entries: unknown, lookup: ConfigLookup): SiteMapEntry[];
  notifications(input: unknown): NotificationsConfig;
  generalSettings(input: unknown): GeneralSettings;
  customFormat(input: unknown): { id: string };
  customProfile(input: unknown): { id: string };
}

export interface RunFilter {
  readonly destination?: string;
  readonly status?: RunStatus;
  readonly since?: string;
  readonly until?: string;
  readonly limit?: number;
  readonly offset?: number;
}

export interface StoredSecret {
  readonly owner: string;
  readonly field: string;
  readonly sealed: string;
  /** Hash of the connection the secret was saved for (src/secrets/binding.ts); null for secrets stored before bindings existed. */
  readonly binding: string | null;
  readonly boundTo: string | null;
}

export interface AuditEntry {
  readonly id: number;
  readonly runId: number;
  readonly destination: string;
  readonly destinationType: string;
  readonly deliveredAt: string;
  readonly file: string;
  readonly remotePath: string | null;
  readonly records: number;
  readonly sha256: string;
  /** Personal-data columns that held a value in at least one delivered row. */
  readonly personalColumns: readonly string[];
  /** Per personal column: how many delivered rows held a value in it. */
  readonly columnCounts: Readonly<Record<string, number>>;
  /** `publishing` from before the first file became visible until the publish ended; a killed publish leaves it so until the next start settles it. */
  readonly status: AuditStatus;
  /** How a publish interrupted by a stopped process was settled, when it was. */
  readonly note: string | null;
}

export const AUDIT_STATUSES = ['publishing', 'complete', 'rolled-back'] as const;
export type AuditStatus = (typeof AUDIT_STATUSES)[number];

const now = (): string => new Date().toISOString();

interface RunRow {
  id: number;
  destination: string;
  trigger: RunTrigger;
  status: RunStatus;
  dry_run: number;
  started_at: string;
  ended_at: string | null;
  errors: number;
  warnings: number;
  rows: number;
  message: string | null;
  output_dir: string | null;
  stage_timings: string;
  hold_reasons: string;
  diff: string;
  pid: number | null;
}

function toSummary(r: RunRow): RunSummary {
  return {
    id: r.id,
    destination: r.destination,
    trigger: r.trigger,
    status: r.status,
    dryRun: r.dry_run === 1,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    errors: r.errors,
    warnings: r.warnings,
    rows: r.rows,
    message: r.message,
  };
}

export class Store implements ConfigLookup {
  /** Sealed: no file outside src/store/ writes SQL (lint/layers.js, rule `layers/sealed-store`). */
  readonly #db: StoreDatabase;
  readonly backupsDir: string;
  /** The publish journal's rows (src/pipeline/publish-journal.ts says what they mean). */
  readonly journal: PublishJournalTable;
  /** The run-lock rows (src/scheduler/lock.ts decides when a held lock is stale). */
  readonly locks: RunLockTable;

  /**
   * Opens the store; only a missing file makes a new one. An empty, truncated or corrupt file is
   * refused (StoreFileError naming the file and the newest backup). Before a migration changes an
   * existing store, a copy goes to the backups folder.
   */
  constructor(
    readonly path: string,
    private readonly door: ConfigDoor,
    options: StoreOptions = {},
  ) {
    this.backupsDir = options.backupsDir ?? join(dirname(path), 'backups');
    if (path === ':memory:') {
      this.#db = openDatabase(path);
      migrate(this.#db);
      this.journal = new PublishJournalTable(this.#db);
      this.locks = new RunLockTable(this.#db);
      return;
    }
    mkdirSync(dirname(path), { recursive: true });
    if (!existsSync(path)) createStoreExclusively(path);
    const problem = storeFileProblem(path);
    if (problem) throw this.damaged(problem);
    let db: StoreDatabase | undefined;
    try {
      db = openDatabase(path);
      this.checkIsRosterSyncStore(db);
      this.backupBeforeMigration(db);
      migrate(db);
    } catch (err) {
      db?.close();
      if (isCorruptionError(err)) throw this.damaged(`is corrupt (${(err as Error).message})`);
      throw err;
    }
    this.#db = db;
    this.journal = new PublishJournalTable(db);
    this.locks = new RunLockTable(db);
  }

  private damaged(problem: string): StoreFileError {
    return new StoreFileError(this.path, problem, listBackups(this.backupsDir)[0], this.backupsDir);
  }

  /** A SQLite file that is not ours (no schema version, someone else's tables) is not upgraded into one. */
  private checkIsRosterSyncStore(db: StoreDatabase): void {
    if ((db.pragma('user_version', { simple: true }) as number) > 0) return;
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' LIMIT 3`).pluck().all() as string[];
    if (tables.length) throw this.damaged(`is a SQLite database but not a RosterSync store (no schema version; tables ${tables.join(', ')})`);
  }

  private backupBeforeMigration(db: StoreDatabase): void {
    const current = db.pragma('user_version', { simple: true }) as number;
    const latest = MIGRATIONS[MIGRATIONS.length - 1]!.version;
    if (current === 0 || current >= latest) return;
    const target = join(this.backupsDir, backupFileName(new Date(), `before-schema-${latest}`));
    mkdirSync(this.backupsDir, { recursive: true, mode: 0o700 });
    try {
      // VACUUM INTO: a consistent copy in one synchronous statement, as the constructor is synchronous.
      db.prepare('VACUUM INTO ?').run(target);
    } catch (err) {
      if (existsSync(target)) return; // another process opening the same store made this backup this second
      throw err;
    }
    restrictToOwner(target);
  }

  /**
   * A consistent copy of the live store through SQLite's online backup API (runs, the agent and the
   * GUI may keep writing meanwhile). The machine key is a separate file and never part of it.
   */
  async backupTo(target?: string): Promise<string> {
    const path = target ?? join(this.backupsDir, backupFileName(new Date()));
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    if (existsSync(path)) throw new Error(`${path} already exists; name another file or move it away.`);
    await this.#db.backup(path);
    restrictToOwner(path);
    return path;
  }

  close(): void {
    this.#db.close();
  }

  get schemaVersion(): number {
    return this.#db.pragma('user_version', { simple: true }) as number;
  }

  /**
   * Runs `work` in one transaction: everything it stores is kept together or not at all (an error
   * thrown by `work` rolls it back and is rethrown). Nested calls become savepoints. `immediate`
   * takes the write lock first, for work that reads what it is about to rewrite. `work` must be
   * synchronous: SQLite cannot hold a transaction across an await.
   */
  transaction<T>(work: () => T, mode: 'deferred' | 'immediate' = 'deferred'): T {
    const run = this.#db.transaction(work);
    return mode === 'immediate' ? run.immediate() : run();
  }

  /** SQLite's integrity check of the store file: `ok`, or its list of problems. */
  integrityCheck(): string {
    return this.#db.pragma('integrity_check', { simple: true }) as string;
  }

  /**
   * Changes whenever a source or destination is saved, renamed or deleted (by this process or
   * another one sharing the store): the agent polls it to reload schedules and watchers.
   */
  configurationSignature(): string {
    return JSON.stringify(
      this.#db.prepare(`SELECT 'd' AS kind, name, updated_at FROM destinations UNION ALL SELECT 's', name, updated_at FROM sources ORDER BY 1, 2`).all(),
    );
  }

  // ---- key/value settings ------------------------------------------------------------
  getSetting<T>(key: string, schema: z.ZodType<T>): T {
    const row = this.#db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
    return schema.parse(row ? JSON.parse(row.value) : {});
  }

  setSetting(key: string, value: unknown): void {
    this.#db
      .prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value')
      .run(key, JSON.stringify(value));
  }

  getNotifications(): NotificationsConfig {
    return this.getSetting('notifications', notificationsSchema);
  }

  getGeneralSettings(): GeneralSettings {
    return this.getSetting('general', settingsSchema);
  }

  saveNotifications(config: NotificationsConfig): void {
    this.setSetting('notifications', this.door.notifications(config));
  }

  saveGeneralSettings(settings: GeneralSettings): void {
    this.setSetting('general', this.door.generalSettings(settings));
  }

  // ---- what the configuration checks look up ------------------------------------------
  hasSource(name: string): boolean {
    return this.#db.prepare('SELECT 1 FROM sources WHERE name = ?').get(name) !== undefined;
  }

  hasDestination(name: string): boolean {
    return this.#db.prepare('SELECT 1 FROM destinations WHERE name = ?').get(name) !== undefined;
  }

  customFormats(): readonly unknown[] {
    return this.listCustomFormats();
  }

  customProfiles(): readonly unknown[] {
    return this.listCustomProfiles();
  }

  // ---- sources ------------------------------------------------------------------------
  listSources(): SourceConfig[] {
    const rows = this.#db.prepare('SELECT config FROM sources ORDER BY name').all() as { config: string }[];
    return rows.map((r) => sourceConfigSchema.parse(JSON.parse(r.config)));
  }

  getSource(name: string): SourceConfig | undefined {
    const row = this.#db.prepare('SELECT config FROM sources WHERE name = ?').get(name) as { config: string } | undefined;
    return row ? sourceConfigSchema.parse(JSON.parse(row.config)) : undefined;
  }

  /** Stores a source that passes the configuration checks; throws ConfigError otherwise. */
  saveSource(config: SourceConfig): void {
    const parsed = this.door.source(config, this);
    this.#db
      .prepare(
        `INSERT INTO sources (name, type, config, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT(name) DO UPDATE SET type = excluded.type, config = excluded.config, updated_at = excluded.updated_at`,
      )
      .run(parsed.name, parsed.type, JSON.stringify(parsed), now());
  }

  deleteSource(name: string): boolean {
    const users = this.listDestinations().filter((d) => d.source === name).map((d) => d.name);
    if (users.length) throw new Error(`Source "${name}" is used by destination(s) ${users.join(', ')}: change or delete them first.`);
    this.deleteSecrets(`source:${name}`);
    return this.#db.prepare('DELETE FROM sources WHERE name = ?').run(name).changes > 0;
  }

  // ---- destinations -------------------------------------------------------------------
  listDestinations(): DestinationConfig[] {
    const rows = this.#db.prepare('SELECT config FROM destinations ORDER BY name').all() as { config: string }[];
    return rows.map((r) => destinationConfigSchema.parse(JSON.parse(r.config)));
  }

  getDestination(name: string): DestinationConfig | undefined {
    const row = this.#db.prepare('SELECT config FROM destinations WHERE name = ?').get(name) as { config: string } | undefined;
    return row ? destinationConfigSchema.parse(JSON.parse(row.config)) : undefined;
  }

  /** Stores a destination that passes the configuration checks (its source and format must exist); throws ConfigError otherwise. */
  saveDestination(config: DestinationConfig): void {
    const parsed = this.door.destination(config, this);
    this.#db
      .prepare(
        `INSERT INTO destinations (name, config, updated_at) VALUES (?, ?, ?)
         ON CONFLICT(name) DO UPDATE SET config = excluded.config, updated_at = excluded.updated_at`,
      )
      .run(parsed.name, JSON.stringify(parsed), now());
  }

  deleteDestination(name: string): boolean {
    this.deleteSecrets(`destination:${name}`);
    this.#db.prepare('DELETE FROM site_map WHERE destination = ?').run(name);
    this.#db.prepare('DELETE FROM destination_state WHERE destination = ?').run(name);
    return this.#db.prepare('DELETE FROM destinations WHERE name = ?').run(name).changes > 0;
  }

  getDestinationState(destination: string, key: string): string | undefined {
    const row = this.#db.prepare('SELECT value FROM destination_state WHERE destination = ? AND key = ?').get(destination, key) as
      | { value: string }
      | undefined;
    return row?.value;
  }

  setDestinationState(destination: string, key: string, value: string): void {
    this.#db
      .prepare(
        `INSERT INTO destination_state (destination, key, value) VALUES (?, ?, ?)
         ON CONFLICT(destination, key) DO UPDATE SET value = excluded.value`,
      )
      .run(destination, key, value);
  }

  deleteDestinationState(destination: string, key: string): void {
    this.#db.prepare('DELETE FROM destination_state WHERE destination = ? AND key = ?').run(destination, key);
  }

  // ---- custom formats -----------------------------------------------------------------
  listCustomFormats(): unknown[] {
    return (this.#db.prepare('SELECT definition FROM custom_formats ORDER BY id').all() as { definition: string }[]).map((r) =>
      JSON.parse(r.definition),
    );
  }

  /** Stores a custom format that passes the format checks; throws ConfigError otherwise. */
  saveCustomFormat(id: string, definition: unknown): void {
    if (this.door.customFormat(definition).id !== id) throw new Error(`Custom format "${id}": the definition's id differs.`);
    this.#db
      .prepare(
        `INSERT INTO custom_formats (id, definition, updated_at) VALUES (?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at`,
      )
      .run(id, JSON.stringify(definition), now());
  }

  deleteCustomFormat(id: string): boolean {
    return this.#db.prepare('DELETE FROM custom_formats WHERE id = ?').run(id).changes > 0;
  }

  // ---- custom SIS profiles ------------------------------------------------------------
  listCustomProfiles(): unknown[] {
    return (this.#db.prepare('SELECT definition FROM custom_profiles ORDER BY id').all() as { definition: string }[]).map((r) => JSON.parse(r.definition));
  }

  /** Stores a custom profile that passes the profile checks; throws ConfigError otherwise. */
  saveCustomProfile(id: string, definition: unknown): void {
    if (this.door.customProfile(definition).id !== id) throw new Error(`Custom profile "${id}": the definition's id differs.`);
    this.#db
      .prepare(
        `INSERT INTO custom_profiles (id, definition, updated_at) VALUES (?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at`,
      )
      .run(id, JSON.stringify(definition), now());
  }

  deleteCustomProfile(id: string): boolean {
    return this.#db.prepare('DELETE FROM custom_profiles WHERE id = ?').run(id).changes > 0;
  }

  // ---- site map -----------------------------------------------------------------------
  getSiteMap(destination: string): SiteMapEntry[] {
    return (
      this.#db
        .prepare('SELECT school_code AS schoolCode, site_id AS siteId, label FROM site_map WHERE destination = ? ORDER BY school_code')
        .all(destination) as SiteMapEntry[]
    ).map((e) => ({ ...e }));
  }

  /** Replaces the destination's whole site map; throws ConfigError when an entry is invalid or a school code appears twice. */
  replaceSiteMap(destination: string, entries: readonly SiteMapEntry[]): void {
    const parsed = this.door.siteMap(destination, entries, this);
    const insert = this.#db.prepare('INSERT INTO site_map (destination, school_code, site_id, label) VALUES (?, ?, ?, ?)');
    this.#db.transaction(() => {
      this.#db.prepare('DELETE FROM site_map WHERE destination = ?').run(destination);
      for (const e of parsed) insert.run(destination, e.schoolCode, e.siteId, e.label);
    })();
  }

  // ---- secrets (sealed strings only; sealing is src/secrets/) ---------------------------
  getSealedSecret(owner: string, field: string): StoredSecret | undefined {
    return this.#db.prepare('SELECT owner, field, sealed, binding, bound_to AS boundTo FROM secrets WHERE owner = ? AND field = ?').get(owner, field) as
      | StoredSecret
      | undefined;
  }

  listSealedSecrets(): StoredSecret[] {
    return this.#db.prepare('SELECT owner, field, sealed, binding, bound_to AS boundTo FROM secrets ORDER BY owner, field').all() as StoredSecret[];
  }

  countSealedSecrets(): number {
    return this.#db.prepare('SELECT count(*) FROM secrets').pluck().get() as number;
  }

  setSealedSecret(owner: string, field: string, sealed: string, binding: { readonly hash: string; readonly label: string }): void {
    this.#db
      .prepare(
        `INSERT INTO secrets (owner, field, sealed, binding, bound_to) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(owner, field) DO UPDATE SET sealed = excluded.sealed, binding = excluded.binding, bound_to = excluded.bound_to`,
      )
      .run(owner, field, sealed, binding.hash, binding.label);
  }

  /** The id of the machine key the secrets are sealed with (a hash of it, never the key). */
  getMachineKeyId(): string | undefined {
    const row = this.#db.prepare(`SELECT value FROM settings WHERE key = 'machineKeyId'`).get() as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as string) : undefined;
  }

  setMachineKeyId(id: string): void {
    this.setSetting('machineKeyId', id);
  }

  deleteSecret(owner: string, field: string): void {
    this.#db.prepare('DELETE FROM secrets WHERE owner = ? AND field = ?').run(owner, field);
  }

  deleteSecrets(owner: string): void {
    this.#db.prepare('DELETE FROM secrets WHERE owner = ?').run(owner);
  }

  // ---- runs ---------------------------------------------------------------------------
  createRun(destination: string, trigger: RunTrigger, dryRun: boolean): number {
    const info = this.#db
      .prepare('INSERT INTO runs (destination, trigger, status, dry_run, started_at, pid) VALUES (?, ?, ?, ?, ?, ?)')
      .run(destination, trigger, 'running', dryRun ? 1 : 0, now(), process.pid);
    return Number(info.lastInsertRowid);
  }

  updateRun(
    id: number,
    fields: Partial<{
      status: RunStatus;
      endedAt: string | null;
      errors: number;
      warnings: number;
      rows: number;
      message: string | null;
      outputDir: string | null;
      stageTimings: Record<string, number>;
      holdReasons: readonly string[];
      diff: readonly FileDiff[];
    }>,
  ): void {
    const sets: string[] = [];
    const values: unknown[] = [];
    const put = (column: string, value: unknown): void => {
      sets.push(`${column} = ?`);
      values.push(value);
    };
    if (fields.status !== undefined) put('status', fields.status);
    if (fields.endedAt !== undefined) put('ended_at', fields.endedAt);
    if (fields.errors !== undefined) put('errors', fields.errors);
    if (fields.warnings !== undefined) put('warnings', fields.warnings);
    if (fields.rows !== undefined) put('rows', fields.rows);
    if (fields.message !== undefined) put('message', fields.message);
    if (fields.outputDir !== undefined) put('output_dir', fields.outputDir);
    if (fields.stageTimings !== undefined) put('stage_timings', JSON.stringify(fields.stageTimings));
    if (fields.holdReasons !== undefined) put('hold_reasons', JSON.stringify(fields.holdReasons));
    if (fields.diff !== undefined) put('diff', JSON.stringify(fields.diff));
    if (!sets.length) return;
    values.push(id);
    this.#db.prepare(`UPDATE runs SET ${sets.join(', ')} WHERE id = ?`).run(...values);
  }

  /** This process now runs the run (an approval delivering a held run): an interrupted-run sweep must not take it for dead. */
  claimRun(id: number): void {
    this.#db.prepare('UPDATE runs SET pid = ? WHERE id = ?').run(process.pid, id);
  }

  addRunEvent(runId: number, level: RunEvent['level'], stage: string, message: string): void {
    this.#db
      .prepare(
        `INSERT INTO run_events (run_id, seq, at, level, stage, message)
         VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM run_events WHERE run_id = ?), ?, ?, ?, ?)`,
      )
      .run(runId, runId, now(), level, stage, message);
  }

  addFindings(runId: number, findings: readonly Finding[]): void {
    if (!findings.length) return;
    const insert = this.#db.prepare(
      `INSERT INTO run_findings (run_id, severity, file, row, column_name, value, rule, message, origin)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#db.transaction(() => {
      for (const f of findings) insert.run(runId, f.severity, f.file, f.row, f.column, f.value, f.rule, f.message, f.origin ?? null);
    })();
  }

  setRunFiles(runId: number, files: readonly RunFileRecord[]): void {
    const upsert = this.#db.prepare(
      `INSERT INTO run_files (run_id, name, rows, bytes, sha256, remote_path, delivered_bytes, duration_ms, attempts, personal_columns, personal_counts)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(run_id, name) DO UPDATE SET rows = excluded.rows, bytes = excluded.bytes, sha256 = excluded.sha256,
         remote_path = excluded.remote_path, delivered_bytes = excluded.delivered_bytes, duration_ms = excluded.duration_ms,
         attempts = excluded.attempts, personal_columns = excluded.personal_columns, personal_counts = excluded.personal_counts`,
    );
    this.#db.transaction(() => {
      for (const f of files)
        upsert.run(
          runId,
          f.name,
          f.rows,
          f.bytes,
          f.sha256,
          f.remotePath ?? null,
          f.deliveredBytes ?? null,
          f.durationMs ?? null,
          f.attempts ?? null,
          JSON.stringify(f.personalColumns),
          JSON.stringify(f.personalCounts ?? {}),
        );
    })();
  }

  getRun(id: number): RunSummary | undefined {
    const row = this.#db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
    return row ? toSummary(row) : undefined;
  }

  getRunDetail(id: number, findingsLimit = 500): RunDetail | undefined {
    const row = this.#db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
    if (!row) return undefined;
    const files = (
      this.#db.prepare('SELECT * FROM run_files WHERE run_id = ? ORDER BY rowid').all(id) as {
        name: string;
        rows: number;
        bytes: number;
        sha256: string;
        remote_path: string | null;
        delivered_bytes: number | null;
        duration_ms: number | null;
        attempts: number | null;
        personal_columns: string;
        personal_counts: string;
      }[]
    ).map(
      (f): RunFileRecord => ({
        name: f.name,
        rows: f.rows,
        bytes: f.bytes,
        sha256: f.sha256,
        remotePath: f.remote_path,
        deliveredBytes: f.delivered_bytes,
        durationMs: f.duration_ms,
        attempts: f.attempts,
        personalColumns: JSON.parse(f.personal_columns) as string[],
        personalCounts: JSON.parse(f.personal_counts) as Record<string, number>,
      }),
    );
    const findings = (
      this.#db
        .prepare(
          `SELECT severity, file, row, column_name AS "column", value, rule, message, origin FROM run_findings
           WHERE run_id = ? ORDER BY CASE severity WHEN 'error' THEN 0 ELSE 1 END, rowid LIMIT ?`,
        )
        .all(id, findingsLimit) as (Finding & { origin: string | null })[]
    ).map((f) => ({ ...f, origin: f.origin ?? undefined }));
    const findingsTotal = (this.#db.prepare('SELECT COUNT(*) AS n FROM run_findings WHERE run_id = ?').get(id) as { n: number }).n;
    const events = this.#db
      .prepare('SELECT at, level, stage, message FROM run_events WHERE run_id = ? ORDER BY seq')
      .all(id) as RunEvent[];
    return {
      ...toSummary(row),
      files,
      diff: JSON.parse(row.diff) as FileDiff[],
      findings,
      findingsTotal,
      events,
      stageTimings: JSON.parse(row.stage_timings) as Record<string, number>,
      holdReasons: JSON.parse(row.hold_reasons) as string[],
      outputDir: row.output_dir,
    };
  }

  listRuns(filter: RunFilter = {}): RunSummary[] {
    const where: string[] = [];
    const values: unknown[] = [];
    if (filter.destination) {
      where.push('destination = ?');
      values.push(filter.destination);
    }
    if (filter.status) {
      where.push('status = ?');
      values.push(filter.status);
    }
    if (filter.since) {
      where.push('started_at >= ?');
      values.push(filter.since);
    }
    if (filter.until) {
      where.push('started_at <= ?');
      values.push(filter.until);
    }
    values.push(filter.limit ?? 50, filter.offset ?? 0);
    const rows = this.#db
      .prepare(`SELECT * FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ? OFFSET ?`)
      .all(...values) as RunRow[];
    return rows.map(toSummary);
  }

  lastRun(destination: string, status?: RunStatus): RunSummary | undefined {
    const row = (
      status
        ? this.#db.prepare('SELECT * FROM runs WHERE destination = ? AND status = ? ORDER BY id DESC LIMIT 1').get(destination, status)
        : this.#db.prepare('SELECT * FROM runs WHERE destination = ? ORDER BY id DESC LIMIT 1').get(destination)
    ) as RunRow | undefined;
    return row ? toSummary(row) : undefined;
  }

  /** Runs left `running` by a process that is gone (killed, crashed, power loss) become `failed`. */
  failInterruptedRuns(isAlive: (pid: number) => boolean = pidIsAlive): number[] {
    const stale = (this.#db.prepare(`SELECT id, pid FROM runs WHERE status = 'running'`).all() as { id: number; pid: number | null }[]).filter(
      (r) => r.pid === null || r.pid === process.pid ? false : !isAlive(r.pid),
    );
    for (const r of stale) {
      this.updateRun(r.id, { status: 'failed', endedAt: now(), message: 'Interrupted: the process running it stopped before it finished.' });
      this.addRunEvent(r.id, 'error', 'record', `Interrupted: process ${r.pid} stopped before the run finished.`);
      // the agent retries it at its next start (takeInterruptedRuns), whichever process found it
      const run = this.getRun(r.id);
      if (run && !run.dryRun) this.setDestinationState(run.destination, INTERRUPTED_KEY, String(r.id));
    }
    return stale.map((r) => r.id);
  }

  /** Interrupted runs not yet handed to the agent (one per destination, the latest), cleared as they are taken. */
  takeInterruptedRuns(): { destination: string; runId: number }[] {
    const rows = this.#db.prepare('SELECT destination, value FROM destination_state WHERE key = ?').all(INTERRUPTED_KEY) as { destination: string; value: string }[];
    this.#db.prepare('DELETE FROM destination_state WHERE key = ?').run(INTERRUPTED_KEY);
    return rows.map((r) => ({ destination: r.destination, runId: Number(r.value) }));
  }

  /** Deletes one run record with its files, events and findings (previews the GUI discards). */
  deleteRun(id: number): boolean {
    return this.#db.prepare('DELETE FROM runs WHERE id = ?').run(id).changes > 0;
  }

  /** Deletes run records (not the audit ledger) started before `before`. */
  pruneRuns(before: string): number {
    return this.#db.prepare(`DELETE FROM runs WHERE started_at < ? AND status NOT IN ('running', 'held')`).run(before).changes;
  }

  // ---- audit ledger -------------------------------------------------------------------
  addAuditEntries(entries: readonly Omit<AuditEntry, 'id' | 'note'>[]): void {
    const insert = this.#db.prepare(
      `INSERT INTO audit_ledger (run_id, destination, destination_type, delivered_at, file, remote_path, records, sha256, personal_columns, column_counts, status)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#db.transaction(() => {
      for (const e of entries)
        insert.run(e.runId, e.destination, e.destinationType, e.deliveredAt, e.file, e.remotePath, e.records, e.sha256, JSON.stringify(e.personalColumns), JSON.stringify(e.columnCounts), e.status);
    })();
  }

  /** Settles a run's `publishing` ledger entries (the publish ended, or a later start rolled it forward or back). */
  settleAudit(runId: number, status: Exclude<AuditStatus, 'publishing'>, at: string, note: string | null = null): number {
    return this.#db
      .prepare(`UPDATE audit_ledger SET status = ?, delivered_at = ?, note = ? WHERE run_id = ? AND status = 'publishing'`)
      .run(status, at, note, runId).changes;
  }

  /** When a file was last delivered to `destination` by any publish the ledger holds (null: never). */
  lastDeliveredAt(destination: string): string | null {
    return (this.#db.prepare('SELECT MAX(delivered_at) AS at FROM audit_ledger WHERE destination = ?').get(destination) as { at: string | null }).at;
  }

  listAudit(filter: { since?: string; destination?: string } = {}): AuditEntry[] {
    const where: string[] = [];
    const values: unknown[] = [];
    if (filter.since) {
      where.push('delivered_at >= ?');
      values.push(filter.since);
    }
    if (filter.destination) {
      where.push('destination = ?');
      values.push(filter.destination);
    }
    const rows = this.#db
      .prepare(`SELECT * FROM audit_ledger ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id`)
      .all(...values) as {
      id: number;
      run_id: number;
      destination: string;
      destination_type: string;
      delivered_at: string;
      file: string;
      remote_path: string | null;
      records: number;
      sha256: string;
      personal_columns: string;
      column_counts: string;
      status: AuditStatus;
      note: string | null;
    }[];
    return rows.map((r) => ({
      id: r.id,
      runId: r.run_id,
      destination: r.destination,
      destinationType: r.destination_type,
      deliveredAt: r.delivered_at,
      file: r.file,
      remotePath: r.remote_path,
      records: r.records,
      sha256: r.sha256,
      personalColumns: JSON.parse(r.personal_columns) as string[],
      columnCounts: JSON.parse(r.column_counts) as Record<string, number>,
      status: r.status,
      note: r.note,
    }));
  }
}

/** Backups hold sealed secrets and student data: owner-only, like the store. */
function restrictToOwner(path: string): void {
  if (process.platform !== 'win32') chmodSync(path, 0o600);
}

export function pidIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
