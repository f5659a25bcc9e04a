/**
 * The source plug-in contract. Every SIS reader — database drivers and the export folder —
 * implements `SourceDriver` and is listed in `src/sources/registry.ts`.
 */
import type { ConnectionIdentity } from '../secrets/binding.js';
import type { z } from 'zod';
import type { Entity } from '../shared/format.js';
import type { CheckResult, SampleResult, TableInfo } from '../shared/connection-check.js';

export type { CheckResult, ColumnInfo, LoginRights, SampleResult, TableInfo } from '../shared/connection-check.js';

/** A SIS record: field name → text value (null for SQL NULL). Every value is text: IDs keep their leading zeros. */
export type Row = Record<string, string | null>;

/** A row with where it came from, so findings can point back at the SIS file and line. */
export interface SourcedRow {
  readonly row: Row;
  /** "students.csv line 14" or "students row 14". */
  readonly origin: string;
}

/** One row's values in its read's column order (RowBatch.columns): the pipeline reads a field by its index. */
export type RowValues = readonly (string | null)[];

/**
 * Consecutive rows of one read, handed over together: the pipeline maps a batch in one synchronous
 * loop instead of awaiting every row. `origin(i)` is built only when a finding needs it.
 *
 * Drivers that read rows as arrays (PostgreSQL COPY, MySQL, delimited export files) also give
 * `columns` and `values`; their `rows` objects are then built only when a caller asks for them
 * (common.ts `valuesBatch`).
 */
export interface RowBatch {
  readonly rows: readonly Row[];
  /** The read's column names, the same for every batch of the read; with `values`. */
  readonly columns?: readonly string[];
  readonly values?: readonly RowValues[];
  origin(index: number): string;
}


/** What one read asks for: an entity's SELECT or an export file name (glob). */
export interface EntityRequest {
  readonly entity: Entity | string;
  readonly query?: string;
  readonly file?: string;
  /**
   * Export-folder profiles: canonical field → the export's own header, so rows come out under the
   * canonical names (src/shared/sis-profile.ts ProfileEntity.columns). Absent: headers as they are.
   */
  readonly columns?: Readonly<Record<string, string>>;
  /** Export-folder profiles: canonical field → { export value → canonical value } (ProfileEntity.values). */
  readonly values?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Export-folder profiles: canonical field → the value every row has (ProfileEntity.constants). */
  readonly constants?: Readonly<Record<string, string>>;
  /** The SIS profile this request comes from (its display name), named in errors about its columns. */
  readonly profile?: string;
}

export interface ReadOptions {
  readonly signal?: AbortSignal;
  /** Told when the read waits for a file still being written: its name and why, e.g. ("students.csv", "size still changing (12.4 MB)"). */
  readonly onWaiting?: (file: string, why: string) => void;
}

/** An opened source: one connection (pool) for the whole run. */
export interface SourceSession {
  /**
   * Optional: checks every request before any is read (each export file present and complete, each
   * query a single read-only SELECT), so a run with a missing file or a bad query fails before it starts.
   */
  preflight?(requests: readonly EntityRequest[], options?: ReadOptions): Promise<void>;
  read(request: EntityRequest, options?: ReadOptions): AsyncIterable<SourcedRow>;
  /**
   * Optional: the same rows as `read`, in batches (a driver that can fetch many rows cheaply at once).
   * Callers use `readBatches()` from common.ts, which groups `read` for drivers without it.
   */
  readBatches?(request: EntityRequest, options?: ReadOptions): AsyncIterable<RowBatch>;
  close(): Promise<void>;
}

/** Capabilities instead of `if (type === 'mssql')` in callers. */
export type SourceCapability = 'sql' | 'files' | 'watch' | 'windowsAuth' | 'readOnlyTransaction';

export interface SourceDriver<Settings = Record<string, unknown>> {
  readonly id: string;
  readonly displayName: string;
  /** Validates and fills defaults of `settings` (secrets are passed separately). */
  readonly settingsSchema: z.ZodType<Settings>;
  /** Names of secret fields (password, …): stored encrypted, never exported in clear. */
  readonly secretFields: readonly string[];
  readonly capabilities: readonly SourceCapability[];
  /**
   * The server a stored secret is bound to (src/secrets/binding.ts): a stored secret is only sent
   * where this identity is the one it was saved for. Drivers with secret fields must give it.
   */
  connectionIdentity?(settings: Settings): ConnectionIdentity;
  /** The settings that make up the identity, so forms can say a secret must be typed again when they change. */
  readonly identityFields?: readonly string[];
  check(settings: Settings, secrets: Secrets): Promise<CheckResult>;
  discover(settings: Settings, secrets: Secrets): Promise<readonly TableInfo[]>;
  /** First `limit` rows of a table/file name or of an entity request. */
  sample(settings: Settings, secrets: Secrets, request: EntityRequest | { table: string }, limit: number): Promise<SampleResult>;
  open(settings: Settings, secrets: Secrets): Promise<SourceSession>;
  /** Folders on this machine the source writes (an export folder archiving its files): a service install grants the service account access. */
  localWritePaths?(settings: Settings): readonly string[];
  /** After a delivery succeeded: let go of what was read (an export folder archives its files). Returns a line for the run log. */
  afterDelivery?(settings: Settings, requests: readonly EntityRequest[], now: Date): Promise<string | undefined>;
}

/**
 * A driver as the registry serves it (defineSourceDriver in common.ts): the same descriptor, but every
 * method that takes settings takes a source's raw settings and parses them with the driver's schema.
 */
export type RegisteredSourceDriver<Settings = Record<string, unknown>> = {
  readonly [K in keyof SourceDriver<Settings>]: NonNullable<SourceDriver<Settings>[K]> extends (settings: Settings, ...rest: infer A) => infer R
    ? (settings: unknown, ...rest: A) => R
    : SourceDriver<Settings>[K];
};

export type Secrets = Readonly<Record<string, string | undefined>>;

/** An error an admin can act on: says what failed, where, and what to do. Never carries a secret. */
export class SourceError extends Error {
  constructor(
    message: string,
    readonly code:
      | 'unreachable'
      | 'login-failed'
      | 'database-missing'
      | 'tls'
      | 'timeout'
      | 'not-read-only'
      | 'query-failed'
      | 'missing-file'
      | 'bad-file'
      | 'writable-login'
      | 'config',
  ) {
    super(message);
    this.name = 'SourceError';
  }
}

/** Where in the SIS data a SourceDataError was found, for the run's finding. */
export interface SourceDataLocation {
  /** "students.csv line 14" or "students row 14"; the file name alone for a file-wide problem. */
  readonly origin: string;
  /** The SIS column (field) when the problem is in one value. */
  readonly column?: string;
  /** The offending value, or a short description of it (never a giant field in full). */
  readonly value?: string;
  /** The finding's rule: `encoding`, `field-length`. */
  readonly rule: string;
}

/**
 * A problem in the SIS data itself (bytes that are not the file's encoding, a field over the
 * length limit): the read stops, and the run records a finding at `where` besides failing.
 */
export class SourceDataError extends SourceError {
  constructor(
    message: string,
    readonly where: SourceDataLocation,
  ) {
    super(message, 'bad-file');
    this.name = 'SourceDataError';
  }
}
