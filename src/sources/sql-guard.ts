/**
 * The first read-only wall: before an admin's query reaches a server it must be one SELECT (or
 * WITH … SELECT) that neither writes, locks, nor reaches outside the read-only transaction. The
 * query is tokenized with the engine's own lexing rules (sql-tokenizer.ts), so quoting cannot hide
 * a name (`"dblink"(…)`, `[xp_cmdshell]`, U&"…"), strings and comments cannot hide a second
 * statement, and MySQL/MariaDB executable comments (`/*M! INTO OUTFILE … *\/`) are checked as the
 * code they are. The second wall is the login's own rights (login-rights.ts) and the read-only
 * transaction each driver opens; this check exists so nothing hostile is ever sent.
 */
import { ENGINE_RULES, tokenize, type Engine, type LexRules, type SqlToken } from './sql-tokenizer.js';
import { SourceError } from './types.js';

/** Lexing rules differ per engine; `any` applies every engine's rules and refuses if one of them would. */
export type SqlDialect = Engine | 'any';

/** A query the guard refused, with the token that made it refuse (absent for an empty query). */
export class ReadOnlyQueryError extends SourceError {
  constructor(
    message: string,
    readonly token?: SqlToken,
  ) {
    super(message, 'not-read-only');
    this.name = 'ReadOnlyQueryError';
  }
}

interface NameRule {
  readonly pattern: RegExp;
  readonly why: string;
  /** Refused only when called (`name(`), because the name is also a plausible column name. */
  readonly callOnly?: boolean;
}

/**
 * Functions and packages with side effects, refused wherever their name appears as a name —
 * unquoted or quoted, any case — because a quoted or schema-qualified call reaches the same code.
 */
const SIDE_EFFECT_NAMES: readonly NameRule[] = [
  { pattern: /^dblink\w*$/, why: 'runs SQL over a second connection, outside the read-only transaction' },
  { pattern: /^(openrowset|openquery|opendatasource)$/, why: 'runs a query on another server or reads a file' },
  { pattern: /^(query_to_xml\w*|cursor_to_xml\w*|ts_stat|ts_rewrite)$/, why: 'runs SQL given as text, which no guard can see' },
  { pattern: /^pg_(\w*file\w*|read\w*|write\w*|ls_\w+)$/, why: 'reads or writes files on the database server' },
  { pattern: /^lo_\w+$/, why: 'reads or writes large objects and server files', callOnly: true },
  {
    pattern: /^pg_(terminate_backend|cancel_backend|reload_conf|promote|switch_wal|notify|logical_emit_message|import_system_collations|log_backend_memory_contexts)$|^pg_(create|drop|replication)_\w+$|^pg_stat_reset\w*$/,
    why: "changes the server's state",
  },
  { pattern: /^pg_(try_)?advisory\w*$|^(get_lock|release_lock|release_all_locks)$/, why: 'takes or releases locks' },
  { pattern: /^set_config$/, why: 'changes a server setting' },
  { pattern: /^(nextval|setval)$/, why: 'advances a sequence' },
  { pattern: /^(load_file|readfile|writefile|load_extension|fts3_tokenizer)$/, why: 'reads or writes files on the server or loads code into it' },
  { pattern: /^edit$/, why: 'starts an editor program', callOnly: true },
  { pattern: /^(sys_exec|sys_eval)$/, why: 'runs a program on the server' },
  { pattern: /^(xp|sp)_\w+$/, why: 'runs a stored procedure', callOnly: true },
  { pattern: /^(utl_\w+|dbms_\w+|httpuritype)$/, why: 'is an Oracle package that reaches files, the network or the database state' },
];

/** Statement and clause words that write, lock, or leave the transaction; refused as unquoted words anywhere. */
const WRITE_WORDS: Readonly<Record<string, string>> = {
  INSERT: 'INSERT',
  UPDATE: 'UPDATE',
  DELETE: 'DELETE',
  MERGE: 'MERGE',
  UPSERT: 'UPSERT',
  DROP: 'DROP',
  CREATE: 'CREATE',
  ALTER: 'ALTER',
  TRUNCATE: 'TRUNCATE',
  RENAME: 'RENAME',
  GRANT: 'GRANT',
  REVOKE: 'REVOKE',
  EXEC: 'EXECUTE',
  EXECUTE: 'EXECUTE',
  CALL: 'CALL',
  COPY: 'COPY',
  LOCK: 'LOCK',
  UNLOCK: 'UNLOCK',
  HANDLER: 'HANDLER',
  INTO: 'SELECT … INTO (writes a table, a file or a variable)',
  OUTFILE: 'INTO OUTFILE (writes a file on the server)',
  DUMPFILE: 'INTO DUMPFILE (writes a file on the server)',
  UPDLOCK: 'a locking table hint',
  XLOCK: 'a locking table hint',
  TABLOCKX: 'a locking table hint',
  ATTACH: 'a database maintenance command',
  DETACH: 'a database maintenance command',
  PRAGMA: 'a database maintenance command',
  VACUUM: 'a database maintenance command',
  REINDEX: 'a database maintenance command',
  COMMIT: 'a transaction command',
  ROLLBACK: 'a transaction command',
  SAVEPOINT: 'a transaction command',
  NOTIFY: 'NOTIFY',
  PREPARE: 'PREPARE',
  DEALLOCATE: 'DEALLOCATE',
};

const isName = (t: SqlToken | undefined): t is SqlToken => t !== undefined && (t.kind === 'word' || t.kind === 'identifier');
const isWord = (t: SqlToken | undefined, ...words: string[]): boolean => t?.kind === 'word' && words.includes(t.value);
const isSymbol = (t: SqlToken | undefined, symbol: string): boolean => t?.kind === 'symbol' && t.value === symbol;

/** What makes `tokens[k]` a write, lock or side effect, or undefined when it is harmless. */
function offence(tokens: readonly SqlToken[], k: number): { label: string; quoteHint: boolean } | undefined {
  const token = tokens[k]!;
  const before = tokens[k - 1];
  if (token.kind === 'word') {
    if (token.value === 'UPDATE' && (isWord(before, 'FOR') || (isWord(before, 'KEY') && isWord(tokens[k - 2], 'NO')))) return { label: 'FOR UPDATE (row locks)', quoteHint: false };
    if (token.value === 'SHARE' && isWord(before, 'FOR', 'KEY')) return { label: 'FOR SHARE (row locks)', quoteHint: false };
    if (token.value === 'NEXT' && isWord(tokens[k + 1], 'VALUE') && isWord(tokens[k + 2], 'FOR')) return { label: 'NEXT VALUE FOR (advances a sequence)', quoteHint: false };
    const word = WRITE_WORDS[token.value];
    if (word) return { label: word, quoteHint: token.value !== 'INTO' };
  }
  if (isName(token)) {
    const name = token.value.toLowerCase();
    const called = isSymbol(tokens[k + 1], '(');
    const rule = SIDE_EFFECT_NAMES.find((r) => r.pattern.test(name) && (called || !r.callOnly));
    // As written for a bare word; as the server resolves it for a quoted name (U&"\0064blink" → dblink).
    if (rule) return { label: `${token.kind === 'word' ? token.text : token.value} — a function with side effects: it ${rule.why}`, quoteHint: false };
  }
  return undefined;
}

function at(token: SqlToken): string {
  const inside = token.executableComment ? ', inside a MySQL/MariaDB executable comment, which the server runs as code' : '';
  const shown = token.kind === 'word' || token.kind === 'symbol' ? `"${token.text}"` : token.text;
  return `${shown} at line ${token.line}:${token.column}${inside}`;
}

function checkWith(sql: string, rules: LexRules, subject: string): void {
  const tokens = tokenize(sql, rules);
  let end = tokens.length;
  while (end > 0 && isSymbol(tokens[end - 1], ';')) end--;
  const body = tokens.slice(0, end);
  const semicolon = body.find((t) => isSymbol(t, ';'));
  if (semicolon) {
    throw new ReadOnlyQueryError(
      `${subject} holds more than one statement (${at(semicolon)}). RosterSync runs exactly one SELECT per entity: remove the extra statement.`,
      semicolon,
    );
  }
  const first = body.find((t) => !isSymbol(t, '('));
  if (!first) throw new ReadOnlyQueryError(`${subject} is empty. Enter one SELECT statement.`);
  if (!isWord(first, 'SELECT', 'WITH')) {
    throw new ReadOnlyQueryError(`${subject} starts with ${first.text.toUpperCase()} (line ${first.line}:${first.column}); RosterSync runs only a single SELECT or WITH … SELECT statement, read-only.`, first);
  }
  if (!body.some((t) => isWord(t, 'SELECT'))) {
    throw new ReadOnlyQueryError(`${subject} has no SELECT. RosterSync runs only a single SELECT or WITH … SELECT statement.`, first);
  }
  for (let k = 0; k < body.length; k++) {
    const found = offence(body, k);
    if (!found) continue;
    const token = body[k]!;
    throw new ReadOnlyQueryError(
      `${subject} contains ${found.label} (${at(token)}). RosterSync runs only read-only SELECT statements` +
        (found.quoteHint ? '; if this is a column or table name, put it in quotes.' : '.'),
      token,
    );
  }
}

function rulesOf(dialect: SqlDialect): readonly LexRules[] {
  return dialect === 'any' ? Object.values(ENGINE_RULES).flat() : ENGINE_RULES[dialect];
}

/**
 * Throws `ReadOnlyQueryError` (a `SourceError` with code `not-read-only`) unless `sql` is exactly
 * one SELECT or WITH … SELECT statement that neither writes, locks nor calls a function with side
 * effects, under every lexing the engine may apply. A trailing `;` is allowed. `statement` names
 * the query in the message ("the query for students").
 */
export function assertReadOnlySelect(sql: string, dialect: SqlDialect = 'any', statement?: string): void {
  const subject = statement ? `The query for ${statement}` : 'The query';
  if (typeof sql !== 'string' || sql.trim() === '') throw new ReadOnlyQueryError(`${subject} is empty. Enter one SELECT statement.`);
  for (const rules of rulesOf(dialect)) checkWith(sql, rules, subject);
}

/**
 * The statement without its trailing `;` and whatever follows it (comments, white space), so it can
 * be wrapped: `COPY (…) TO STDOUT`, `SELECT * FROM (…) LIMIT 0`. Call after assertReadOnlySelect.
 */
export function withoutTrailingSemicolon(sql: string, dialect: Engine): string {
  const tokens = tokenize(sql, ENGINE_RULES[dialect][0]!);
  const last = tokens[tokens.length - 1];
  return last && isSymbol(last, ';') ? sql.slice(0, last.offset) : sql;
}
