/**
 * Helpers shared by the source drivers: value → text conversion, secret scrubbing,
 * settings parsing and the small streaming utilities every driver needs.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { z } from 'zod';
import { describeZodError } from '../shared/config.schema.js';
import type { ColumnInfo, EntityRequest, ReadOptions, RegisteredSourceDriver, Row, RowBatch, RowValues, SampleResult, Secrets, SourceDriver, SourcedRow, SourceSession, TableInfo } from './types.js';
import { SourceDataError, SourceError } from './types.js';

/**
 * Longest value (characters) a source passes on by default. Roster values are names, IDs, emails
 * and short lists; a field this long is a broken export or a hostile one, and holding it (and its
 * copies through the pipeline) is what would exhaust memory.
 */
export const DEFAULT_MAX_FIELD_LENGTH = 65_536;
/** The highest `maxFieldLength` a source may be set to. */
export const MAX_FIELD_LENGTH_CEILING = 1_000_000;

/** Every source's `maxFieldLength` setting: the longest value (characters) it passes on. */
export const maxFieldLengthSetting = z.number().int().min(1).max(MAX_FIELD_LENGTH_CEILING).default(DEFAULT_MAX_FIELD_LENGTH);

/**
 * The most bytes a reader holds of one record (a CSV record, a COPY line) while it is still
 * incomplete: room for many fields at the limit (4 bytes a character at most), at least 1 MiB. A
 * reader stops there, so one giant field cannot fill memory before its length is known.
 */
export function recordByteLimit(maxFieldLength: number): number {
  return Math.max(1024 * 1024, maxFieldLength * 4 * 16);
}

const grouped = (n: number): string => n.toLocaleString('en-US');

/**
 * The finding for a value over `maxFieldLength`. `length` is the value's length in characters, or
 * `{ moreThanBytes }` when reading stopped at a byte limit before the value ended.
 */
export function fieldTooLong(origin: string, column: string, length: number | { readonly moreThanBytes: number }, limit: number): SourceDataError {
  const size = typeof length === 'number' ? `${grouped(length)} characters long` : `longer than ${grouped(length.moreThanBytes)} bytes (reading stopped there)`;
  return new SourceDataError(
    `${origin}, column ${column}: the value is ${size}; the limit is ${grouped(limit)} characters (the source's maxFieldLength). ` +
      'A value this long is not roster data: check the SIS data (in an export, look for an unclosed quote), or raise maxFieldLength.',
    { origin, column, value: typeof length === 'number' ? `${grouped(length)} characters` : size, rule: 'field-length' },
  );
}

/** Every SIS value becomes text: numbers keep their digits, dates their ISO form, bytes become hex; NULL stays null. */
export function toText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Date) return formatDate(value);
  if (Buffer.isBuffer(value)) return value.toString('hex');
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * A date with no time part (midnight UTC) is written `YYYY-MM-DD`; otherwise `YYYY-MM-DD HH:MM:SS[.mmm]` (UTC),
 * the same text PostgreSQL and MySQL give for their date and timestamp columns.
 */
export function formatDate(d: Date): string {
  if (Number.isNaN(d.getTime())) return '';
  const iso = d.toISOString();
  if (iso.endsWith('T00:00:00.000Z')) return iso.slice(0, 10);
  return iso.endsWith('.000Z') ? `${iso.slice(0, 10)} ${iso.slice(11, 19)}` : `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}

/** Removes every secret value (and its URL-encoded form) from a message. */
export function scrub(message: string, secrets: Secrets): string {
  let out = message;
  for (const value of Object.values(secrets)) {
    if (!value || value.length < 1) continue;
    for (const form of new Set([value, encodeURIComponent(value)])) {
      out = out.split(form).join('•••');
    }
  }
  return out;
}

/**
 * A driver as the registry serves it, from a driver written against its own parsed settings: every
 * method that takes settings receives a source's raw settings, parses them once with the driver's
 * schema (a bad value is a `config` SourceError naming the driver and the field) and hands the
 * parsed settings on. So no driver repeats the parsing, and no method can see unparsed settings.
 */
export function defineSourceDriver<S>(driverName: string, driver: SourceDriver<S>): RegisteredSourceDriver<S> {
  const parse = (raw: unknown): S => parseSettings(driver.settingsSchema, raw, driverName);
  const { connectionIdentity, localWritePaths, afterDelivery } = driver;
  return {
    ...driver,
    check: async (raw, secrets) => driver.check(parse(raw), secrets),
    discover: async (raw, secrets) => driver.discover(parse(raw), secrets),
    sample: async (raw, secrets, request, limit) => driver.sample(parse(raw), secrets, request, limit),
    open: async (raw, secrets) => driver.open(parse(raw), secrets),
    connectionIdentity: connectionIdentity && ((raw) => connectionIdentity(parse(raw))),
    localWritePaths: localWritePaths && ((raw) => localWritePaths(parse(raw))),
    afterDelivery: afterDelivery && (async (raw, requests, now) => afterDelivery(parse(raw), requests, now)),
  };
}

/** Parses driver settings with the driver's schema; a bad value becomes a `config` SourceError naming the field. */
export function parseSettings<T>(schema: z.ZodType<T>, settings: unknown, driverName: string): T {
  const result = schema.safeParse(settings ?? {});
  if (!result.success) {
    throw new SourceError(`${driverName} settings are not valid: ${describeZodError(result.error)}`, 'config');
  }
  return result.data;
}

/** The SELECT for an entity request, or a `config` error saying none was set. */
export function requireQuery(request: EntityRequest, driverName: string): string {
  if (!request.query || request.query.trim() === '') {
    throw new SourceError(
      `No query is set for ${request.entity} in this ${driverName} source. Enter a SELECT for ${request.entity} in the source's entity settings.`,
      'config',
    );
  }
  return request.query;
}

export function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new SourceError('The read was cancelled.', 'timeout');
}

/** Lets timers and I/O run every `every` rows, so a long synchronous read does not freeze the agent. */
export async function breathe(count: number, every = 1000): Promise<void> {
  if (count % every === 0) await yieldToEventLoop();
}

/** Where a row comes from and the longest value it may hold (a value over it is a `field-length` SourceDataError). */
export interface RowLimit {
  readonly maxFieldLength: number;
  readonly entity: string;
  readonly rowNumber: number;
}

function limitedText(value: unknown, column: string, limit: RowLimit): string | null {
  const text = toText(value);
  if (text !== null && text.length > limit.maxFieldLength) throw fieldTooLong(`${limit.entity} row ${limit.rowNumber}`, column, text.length, limit.maxFieldLength);
  return text;
}

/** Turns a row of raw values (in column order) into a text Row. */
export function rowFromValues(columns: readonly string[], values: readonly unknown[], limit: RowLimit): Row {
  const row: Row = {};
  for (let k = 0; k < columns.length; k++) row[columns[k]] = limitedText(values[k], columns[k], limit);
  return row;
}

/** Turns a row of raw values (in column order) into text values in the same order (an array row, RowBatch.values). */
export function textValues(columns: readonly string[], values: readonly unknown[], limit: RowLimit): (string | null)[] {
  const out = new Array<string | null>(columns.length);
  for (let k = 0; k < columns.length; k++) out[k] = limitedText(values[k], columns[k]!, limit);
  return out;
}

/** Converts an object row from a driver into a text Row. */
export function rowFromObject(obj: Record<string, unknown>, limit: RowLimit): Row {
  const row: Row = {};
  for (const key of Object.keys(obj)) row[key] = limitedText(obj[key], key, limit);
  return row;
}

/** Rows per batch when a driver's row-by-row `read` is grouped into batches. */
const GROUPED_BATCH_ROWS = 512;

/** A session's rows in batches: its own `readBatches` when it has one, otherwise `read` grouped. */
export function readBatches(session: SourceSession, request: EntityRequest, options?: ReadOptions): AsyncIterable<RowBatch> {
  return session.readBatches ? session.readBatches(request, options) : groupRows(session.read(request, options));
}

async function* groupRows(rows: AsyncIterable<SourcedRow>): AsyncGenerator<RowBatch> {
  let batch: SourcedRow[] = [];
  for await (const sourced of rows) {
    batch.push(sourced);
    if (batch.length === GROUPED_BATCH_ROWS) {
      yield batchOf(batch);
      batch = [];
    }
  }
  if (batch.length) yield batchOf(batch);
}

function batchOf(sourced: readonly SourcedRow[]): RowBatch {
  return { rows: sourced.map((s) => s.row), origin: (i) => sourced[i]!.origin };
}

/**
 * A batch of rows read as arrays: `values` as they are for the pipeline, `rows` as objects built
 * once on first use (a column named twice keeps its last value, as an object row would).
 */
export function valuesBatch(columns: readonly string[], values: readonly RowValues[], origin: (index: number) => string): RowBatch {
  let rows: Row[] | undefined;
  return {
    columns,
    values,
    origin,
    get rows(): readonly Row[] {
      rows ??= values.map((v) => {
        const row: Row = {};
        for (let k = 0; k < columns.length; k++) row[columns[k]!] = v[k] ?? null;
        return row;
      });
      return rows;
    },
  };
}

/** A batch's rows one by one (for callers of `read` on a driver that reads in batches). */
export async function* rowsOfBatches(batches: AsyncIterable<RowBatch>): AsyncGenerator<SourcedRow> {
  for await (const batch of batches) {
    for (let i = 0; i < batch.rows.length; i++) yield { row: batch.rows[i]!, origin: batch.origin(i) };
  }
}

/** First `limit` rows of a query through an open session (stops the stream early, so the server stops too). */
export async function sampleThroughSession(session: SourceSession, request: EntityRequest, limit: number): Promise<SampleResult> {
  const rows: Row[] = [];
  let columns: string[] = [];
  try {
    if (limit > 0) {
      for await (const { row } of session.read(request)) {
        if (columns.length === 0) columns = Object.keys(row);
        rows.push(row);
        if (rows.length >= limit) break;
      }
    }
  } finally {
    await session.close();
  }
  return { columns, rows };
}

/** Quotes an identifier for SQL text (only for names already confirmed to exist by introspection). */
export function quoteIdent(name: string, style: 'double' | 'backtick' | 'bracket'): string {
  switch (style) {
    case 'double':
      return `"${name.replace(/"/g, '""')}"`;
    case 'backtick':
      return `\`${name.replace(/`/g, '``')}\``;
    case 'bracket':
      return `[${name.replace(/]/g, ']]')}]`;
    default:
      return assertNever(style);
  }
}

export function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${String(value)}`);
}

/** Wraps a non-SourceError into a `query-failed` SourceError with the entity named and secrets removed. */
export function queryFailed(error: unknown, where: string, secrets: Secrets): SourceError {
  if (error instanceof SourceError) return error;
  const text = error instanceof Error ? error.message : String(error);
  return new SourceError(scrub(`The query for ${where} failed: ${text}`, secrets), 'query-failed');
}

/** Messages and codes of an error and everything it wraps (`originalError`, `cause`, `errors[]`), outermost first. */
export function errorChain(error: unknown, depth = 0): { messages: string[]; codes: string[] } {
  const messages: string[] = [];
  const codes: string[] = [];
  if (!error || typeof error !== 'object' || depth > 5) {
    if (error !== undefined && error !== null && typeof error !== 'object') messages.push(String(error));
    return { messages, codes };
  }
  const e = error as { message?: unknown; code?: unknown; originalError?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.message === 'string' && e.message) messages.push(e.message);
  if (typeof e.code === 'string' && e.code) codes.push(e.code);
  const inner = [e.originalError, e.cause, ...(Array.isArray(e.errors) ? e.errors : [])];
  for (const child of inner) {
    if (!child || child === error) continue;
    const sub = errorChain(child, depth + 1);
    for (const m of sub.messages) if (!messages.includes(m)) messages.push(m);
    for (const c of sub.codes) if (!codes.includes(c)) codes.push(c);
  }
  return { messages, codes };
}

/** One column as an introspection query returns it, already in the driver-neutral shape. */
export interface ColumnRow {
  readonly schema: string;
  readonly table: string;
  readonly kind: 'table' | 'view';
  readonly column: string;
  readonly type: string;
  readonly nullable: boolean;
}

/** Groups introspection rows (one per column, in table order) into tables with their columns. */
export function groupColumnsIntoTables(rows: Iterable<ColumnRow>): TableInfo[] {
  const tables = new Map<string, { schema: string; name: string; kind: 'table' | 'view'; columns: ColumnInfo[] }>();
  for (const r of rows) {
    const key = `${r.schema}.${r.table}`;
    let t = tables.get(key);
    if (!t) {
      t = { schema: r.schema, name: r.table, kind: r.kind, columns: [] };
      tables.set(key, t);
    }
    t.columns.push({ name: r.column, type: r.type, nullable: r.nullable });
  }
  return [...tables.values()];
}
