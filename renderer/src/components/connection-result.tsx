/**
 * A connection test's answer (source, destination, test mail): passed, or why it could not connect
 * — the agent's failure code as a title, its message, and what to try.
 */
import type { ReactNode } from 'react';
import type { ConnectionFailure, ConnectionFailureCode } from '../../../src/shared/connection-check.js';
import { Notice } from './ui.js';

const TITLES: Readonly<Record<ConnectionFailureCode, string>> = {
  unreachable: 'The server could not be reached',
  timeout: 'The server did not answer in time',
  tls: 'The secure connection failed',
  'login-refused': 'The sign-in was refused',
  'host-key-unknown': 'The server’s host key is not trusted yet',
  'host-key-changed': 'The server presented a different host key',
  'database-missing': 'The database does not exist',
  'missing-table': 'A table the SIS profile reads is missing',
  'missing-folder': 'The folder does not exist',
  'missing-file': 'A file is missing',
  'permission-denied': 'No permission to write there',
  'not-read-only': 'The query tried to write',
  'writable-login': 'This login can write',
  'bad-file': 'A file could not be read',
  'query-failed': 'A query failed',
  failed: 'The test failed',
};

export interface ConnectionResultView {
  readonly ok: boolean;
  readonly message: string;
  readonly error?: ConnectionFailure;
}

export function ConnectionResult(props: { readonly result: ConnectionResultView; readonly testId: string; readonly children?: ReactNode }): ReactNode {
  const { result } = props;
  if (result.ok) {
    return (
      <Notice kind="ok" testId={props.testId}>
        {result.message}
        {props.children}
      </Notice>
    );
  }
  return (
    <Notice kind="error" title={result.error ? TITLES[result.error.code] : 'The test failed'} testId={props.testId}>
      <p>{result.error?.message ?? result.message}</p>
      {result.error?.hint && <p className="muted small" data-testid={`${props.testId}-hint`}>{result.error.hint}</p>}
      {props.children}
    </Notice>
  );
}
