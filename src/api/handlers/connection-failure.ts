/**
 * Connection tests (source test and detection, destination test, test mail) answer a failed
 * connection with `{ ok: false, error: { code, message, hint } }` and HTTP 200: the server was
 * asked a fair question and the answer is "it cannot connect, because…". Only a bad request (a
 * setting that does not pass the checks: 400) or a fault of the agent itself (500) is an HTTP error.
 */
import { ApiError, type ConnectionFailure, type ConnectionFailureCode } from '../../shared/api.contract.js';
import { SourceError } from '../../sources/types.js';
import type { DriverCheck } from '../../destinations/types.js';
import { ProfileSchemaError } from '../../profiles/detect.js';

const SOURCE_CODES: Readonly<Record<Exclude<SourceError['code'], 'config'>, ConnectionFailureCode>> = {
  unreachable: 'unreachable',
  'login-failed': 'login-refused',
  'database-missing': 'database-missing',
  tls: 'tls',
  timeout: 'timeout',
  'not-read-only': 'not-read-only',
  'query-failed': 'query-failed',
  'missing-file': 'missing-file',
  'bad-file': 'bad-file',
  'writable-login': 'writable-login',
};

const DESTINATION_CODES: Readonly<Record<Exclude<NonNullable<DriverCheck['code']>, 'config' | 'host-key'>, ConnectionFailureCode>> = {
  unreachable: 'unreachable',
  auth: 'login-refused',
  permission: 'permission-denied',
  'missing-folder': 'missing-folder',
  io: 'failed',
  verify: 'failed',
  timeout: 'timeout',
};

/** What to try, per failure: the message already says what and where. */
const HINTS: Partial<Readonly<Record<ConnectionFailureCode, string>>> = {
  unreachable: 'Check the server name and port, that the server is running, and that a firewall lets this machine reach it.',
  timeout: 'The server did not answer in time: check the network path and firewall, or raise the connect timeout.',
  tls: 'Change the TLS setting of this connection, or install the server certificate on this machine.',
  'login-refused': 'Check the user name and the password or key; enter the secret again if it changed.',
  'host-key-unknown': 'Compare the fingerprint with the one the vendor gave you, then trust it (Destinations → Connection → Host key).',
  'host-key-changed': 'Nothing was uploaded. Confirm the new fingerprint with the vendor before you trust it: another server may be answering in its place.',
  'database-missing': 'Check the database name (names can be case-sensitive).',
  'missing-table': 'Check that the source points at the right database, or override the entities that read the missing table.',
  'missing-folder': 'Check the folder setting; names are case-sensitive on most servers.',
  'permission-denied': "Give the account RosterSync signs in with write access to that folder.",
  'writable-login': 'Use a login that can only read (the source test shows the statements that create one).',
};

export function failure(code: ConnectionFailureCode, message: string): ConnectionFailure {
  const hint = HINTS[code];
  return hint ? { code, message, hint } : { code, message };
}

/**
 * A source driver's or profile check's error as a failed connection; a `config` SourceError is the
 * request's fault (400), and anything else is rethrown as the agent's fault (500).
 */
export function sourceFailure(err: unknown): ConnectionFailure {
  if (err instanceof ProfileSchemaError) return failure('missing-table', err.message);
  if (!(err instanceof SourceError)) throw err;
  if (err.code === 'config') throw new ApiError('bad-request', `config.settings: ${err.message}`);
  return failure(SOURCE_CODES[err.code], err.message);
}

/** A destination check that did not pass, with its failure; a `config` failure is the request's fault (400). */
export function destinationFailure(check: DriverCheck): ConnectionFailure {
  if (check.code === 'config') throw new ApiError('bad-request', `config.settings: ${check.message}`);
  if (check.code === 'host-key') return failure(check.hostKey?.status === 'changed' ? 'host-key-changed' : 'host-key-unknown', check.message);
  return failure(check.code ? DESTINATION_CODES[check.code] : 'failed', check.message);
}

/** nodemailer's codes, and the socket's under its ESOCKET (`originalCode`). */
const MAIL_CODES: Readonly<Record<string, ConnectionFailureCode>> = {
  ECONNECTION: 'unreachable',
  EDNS: 'unreachable',
  ECONNREFUSED: 'unreachable',
  ENOTFOUND: 'unreachable',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  ETIMEDOUT: 'timeout',
  EAUTH: 'login-refused',
  ETLS: 'tls',
};

/** A test mail that could not be sent, by the SMTP client's error code (on the mailer's error or its cause). */
export function mailFailure(err: unknown): ConnectionFailure {
  const message = err instanceof Error ? err.message : String(err);
  const cause = err instanceof Error && err.cause !== undefined ? err.cause : err;
  const { code, originalCode } = (typeof cause === 'object' && cause !== null ? cause : {}) as { code?: unknown; originalCode?: unknown };
  const known = [originalCode, code].find((c): c is string => typeof c === 'string' && c in MAIL_CODES);
  return failure(known ? MAIL_CODES[known]! : 'failed', message);
}
