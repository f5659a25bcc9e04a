/**
 * SQLite source (better-sqlite3): the file is opened read-only (`readonly`, `fileMustExist`,
 * `PRAGMA query_only`), every statement must be a single SELECT and SQLite itself must report it
 * as read-only. Rows are streamed with `iterate()` in raw mode with safe integers, so 64-bit IDs
 * and leading zeros survive. Each `read` opens its own handle, so two entities can be read at once.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { z } from 'zod';
import { durationSetting } from '../shared/duration.schema.js';
import { breathe, checkAborted, maxFieldLengthSetting, queryFailed, quoteIdent, requireQuery, rowFromValues, sampleThroughSession, defineSourceDriver } from './common.js';
import { assertReadOnlySelect } from './sql-guard.js';
import type { CheckResult, EntityRequest, ReadOptions, SampleResult, SourcedRow, SourceSession, TableInfo } from './types.js';
import { SourceError } from './types.js';

export const sqliteSettingsSchema = z
  .object({
    path: z.string().min(1, 'the path of the SQLite file is required'),
    /** A read is stopped after this many seconds (checked between rows). */
    queryTimeoutSeconds: durationSetting('seconds', { min: 1, max: 86_400 }, 600),
    /** Longest value (characters) a column may hold; a longer one stops the read with a finding. */
    maxFieldLength: maxFieldLengthSetting,
    /** How long to wait while another program holds a write lock on the file. */
    busyTimeoutSeconds: durationSetting('seconds', { min: 0, max: 3600 }, 10),
  })
  .strict();
export type SqliteSettings = z.infer<typeof sqliteSettingsSchema>;

const NAME = 'SQLite';

function openReadOnly(settings: SqliteSettings): Database.Database {
  const file = path.resolve(settings.path);
  if (!fs.existsSync(file)) {
    throw new SourceError(`The SQLite file ${file} does not exist. Check the path in the source settings.`, 'database-missing');
  }
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true, timeout: settings.busyTimeoutSeconds * 1000 });
    db.pragma('query_only = ON');
    // Touch the schema so "not a database" surfaces here rather than at the first query.
    db.prepare('SELECT count(*) FROM sqlite_master').get();
  } catch (error) {
    throw translateSqliteError(error, file);
  }
  return db;
}

export function translateSqliteError(error: unknown, file: string): SourceError {
  if (error instanceof SourceError) return error;
  const code = (error as { code?: string }).code ?? '';
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'SQLITE_NOTADB' || /not a database/i.test(message)) {
    return new SourceError(`${file} is not a SQLite database (or it is encrypted). Check the path in the source settings.`, 'bad-file');
  }
  if (code === 'SQLITE_CANTOPEN' || /unable to open|does not exist/i.test(message)) {
    return new SourceError(`The SQLite file ${file} cannot be opened: ${message}. Check the path and that the agent's account may read it.`, 'database-missing');
  }
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return new SourceError(`The SQLite file ${file} stayed locked by another program. Try again later or raise the busy timeout.`, 'timeout');
  }
  return new SourceError(`Reading ${file} failed: ${message}`, 'query-failed');
}

function prepareSelect(db: Database.Database, sql: string, where: string): Database.Statement {
  let stmt: Database.Statement;
  try {
    stmt = db.prepare(sql);
  } catch (error) {
    throw queryFailed(error, where, {});
  }
  if (!stmt.reader || !stmt.readonly) {
    throw new SourceError(`The query for ${where} is not a read-only SELECT. RosterSync runs only read-only SELECT statements.`, 'not-read-only');
  }
  return stmt;
}

async function* iterateRows(db: Database.Database, sql: string, entity: string, settings: SqliteSettings, options?: ReadOptions): AsyncGenerator<SourcedRow> {
  const stmt = prepareSelect(db, sql, entity);
  stmt.raw(true);
  stmt.safeIntegers(true);
  const columns = stmt.columns().map((c) => c.name);
  const deadline = Date.now() + settings.queryTimeoutSeconds * 1000;
  let n = 0;
  let iterator: IterableIterator<unknown[]> | undefined;
  try {
    iterator = stmt.iterate() as IterableIterator<unknown[]>;
    for (const values of iterator) {
      n++;
      yield { row: rowFromValues(columns, values, { maxFieldLength: settings.maxFieldLength, entity, rowNumber: n }), origin: `${entity} row ${n}` };
      if (n % 1000 === 0) {
        checkAborted(options?.signal);
        if (Date.now() > deadline) {
          throw new SourceError(`The query for ${entity} ran longer than ${settings.queryTimeoutSeconds} s and was stopped after ${n} rows.`, 'timeout');
        }
        await breathe(n);
      }
    }
  } catch (error) {
    if (error instanceof SourceError) throw error;
    throw translateSqliteError(error, settings.path);
  } finally {
    iterator?.return?.();
  }
}

class SqliteSession implements SourceSession {
  private readonly handles = new Set<Database.Database>();
  constructor(private readonly settings: SqliteSettings) {}

  /** Every query must be set and read-only before the first row of any entity is read. */
  async preflight(requests: readonly EntityRequest[]): Promise<void> {
    for (const request of requests) assertReadOnlySelect(requireQuery(request, NAME), 'sqlite', String(request.entity));
  }

  async *read(request: EntityRequest, options?: ReadOptions): AsyncGenerator<SourcedRow> {
    const sql = requireQuery(request, NAME);
    assertReadOnlySelect(sql, 'sqlite', String(request.entity));
    checkAborted(options?.signal);
    const db = openReadOnly(this.settings);
    this.handles.add(db);
    try {
      yield* iterateRows(db, sql, String(request.entity), this.settings, options);
    } finally {
      this.handles.delete(db);
      db.close();
    }
  }

  async close(): Promise<void> {
    for (const db of this.handles) db.close();
    this.handles.clear();
  }
}

function listTables(db: Database.Database): TableInfo[] {
  const objects = db
    .prepare("SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")
    .all() as { name: string; type: string }[];
  const columnsOf = db.prepare('SELECT name, type, "notnull" AS not_null FROM pragma_table_info(?) ORDER BY cid');
  return objects.map((o) => ({
    name: o.name,
    kind: o.type === 'view' ? ('view' as const) : ('table' as const),
    columns: (columnsOf.all(o.name) as { name: string; type: string; not_null: number }[]).map((c) => ({
      name: c.name,
      type: c.type || 'ANY',
      nullable: c.not_null === 0,
    })),
  }));
}

export const sqliteDriver = defineSourceDriver<SqliteSettings>(NAME, {
  id: 'sqlite',
  displayName: 'SQLite',
  settingsSchema: sqliteSettingsSchema,
  secretFields: [],
  capabilities: ['sql'],

  async check(settings): Promise<CheckResult> {
    const started = Date.now();
    const db = openReadOnly(settings);
    try {
      const version = (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
      const tables = (db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type IN ('table','view')").get() as { n: number }).n;
      return {
        ok: true,
        message: `Opened ${path.resolve(settings.path)} read-only: ${tables} tables and views.`,
        latencyMs: Date.now() - started,
        serverVersion: `SQLite ${version}`,
      };
    } finally {
      db.close();
    }
  },

  async discover(settings): Promise<readonly TableInfo[]> {
    const db = openReadOnly(settings);
    try {
      return listTables(db);
    } catch (error) {
      throw translateSqliteError(error, settings.path);
    } finally {
      db.close();
    }
  },

  async sample(settings, secrets, request, limit): Promise<SampleResult> {
    if ('table' in request) {
      const db = openReadOnly(settings);
      let known: TableInfo | undefined;
      try {
        known = listTables(db).find((t) => t.name === request.table);
      } finally {
        db.close();
      }
      if (!known) {
        throw new SourceError(`There is no table or view named "${request.table}" in ${settings.path}.`, 'query-failed');
      }
      const sql = `SELECT * FROM ${quoteIdent(known.name, 'double')}`;
      return sampleThroughSession(openSession(settings), { entity: known.name, query: sql }, limit);
    }
    return sampleThroughSession(openSession(settings), request, limit);
  },

  async open(settings): Promise<SourceSession> {
    return openSession(settings);
  },
});

function openSession(settings: SqliteSettings): SourceSession {
  // Fail now (not at the first read) when the file is missing or not a database.
  openReadOnly(settings).close();
  return new SqliteSession(settings);
}
