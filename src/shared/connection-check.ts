/**
 * What a driver answers when it tests a connection, lists what a source holds or samples it. The drivers
 * (src/sources/, src/destinations/) return these and the API hands them to the screens as they are
 * (src/shared/api.contract.ts names them CheckResultView, TableView, SampleView, DestinationCheckView).
 */
import type { HostKeyCheck } from './destination-capabilities.js';

export interface ColumnInfo {
  readonly name: string;
  readonly type: string;
  readonly nullable?: boolean;
}

/** A table, view or export file of a source, with its columns. */
export interface TableInfo {
  readonly schema?: string;
  readonly name: string;
  readonly kind: 'table' | 'view' | 'file';
  readonly columns: readonly ColumnInfo[];
}

/** Sample rows of a table, file or query: field name → text value (null for SQL NULL). */
export interface SampleResult {
  readonly columns: readonly string[];
  readonly rows: readonly Readonly<Record<string, string | null>>[];
}

/** What a source's login may do beyond reading (src/sources/login-rights.ts). */
export interface LoginRights {
  readonly canWrite: boolean;
  /** Each right that lets it write, in words ("INSERT on 3 tables (public.students, …)"). */
  readonly reasons: readonly string[];
  /** The engine's statements that create a login that can only read. */
  readonly readOnlyLoginSql: string;
}

/**
 * Why a connection test could not connect, for the admin: a stable code the GUI can act on, the
 * message (what, where) and what to try. A failed connection is an answer (HTTP 200, `ok: false`);
 * only a bad request (400) or a fault of the agent (500) is an HTTP error.
 */
export const CONNECTION_FAILURE_CODES = [
  'unreachable',
  'timeout',
  'tls',
  'login-refused',
  'host-key-unknown',
  'host-key-changed',
  'database-missing',
  'missing-table',
  'missing-folder',
  'missing-file',
  'permission-denied',
  'not-read-only',
  'writable-login',
  'bad-file',
  'query-failed',
  'failed',
] as const;
export type ConnectionFailureCode = (typeof CONNECTION_FAILURE_CODES)[number];

export interface ConnectionFailure {
  readonly code: ConnectionFailureCode;
  readonly message: string;
  /** What to try next, when there is more to say than the message. */
  readonly hint?: string;
}

/** A source's connection test. */
export interface CheckResult {
  readonly ok: boolean;
  readonly message: string;
  /** Set by the API when `ok` is false: why, as a code and a hint. */
  readonly error?: ConnectionFailure;
  readonly latencyMs?: number;
  readonly serverVersion?: string;
  /** SQL sources: what the login may do; `canWrite` is the "this login can write" warning. */
  readonly loginRights?: LoginRights;
  /** The source's requireReadOnlyLogin setting: a run with a writable login will be refused. */
  readonly readOnlyLoginRequired?: boolean;
}

/** A destination's connection test. */
export interface DestinationCheck {
  readonly ok: boolean;
  readonly message: string;
  /** Set by the API when `ok` is false: why, as a code and a hint. */
  readonly error?: ConnectionFailure;
  /** `hostKey` capability: the server's host-key fingerprint as seen during the test. */
  readonly fingerprint?: string;
  /** `hostKey` capability: the presented key against the trusted one, when the server got as far as presenting one. */
  readonly hostKey?: HostKeyCheck;
  readonly latencyMs?: number;
  readonly throughputBytesPerSec?: number;
}
