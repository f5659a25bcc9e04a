/**
 * The first read-only line of defence: before an admin's query reaches a server it must be one
 * SELECT (or WITH … SELECT) statement. Comments, string literals and quoted identifiers are masked
 * first (with each engine's own lexing rules), so `'; DROP TABLE x'` inside a string is harmless
 * and `/* DELETE *\/` in a comment is ignored. The second line of defence is the read-only
 * transaction/session each driver opens; this check exists so the admin gets a clear message
 * before anything is sent.
 */
import { SourceError } from './types.js';

/** Lexing rules differ per engine; `any` applies every engine's rules and refuses if one of them would. */
export type SqlDialect = 'postgres' | 'mysql' | 'mssql' | 'oracle' | 'sqlite' | 'any';

interface LexRules {
  readonly name: string;
  /** `\'` escapes a quote inside '…' (MySQL; PostgreSQL only in E'…'). */
  readonly backslashEscapes: boolean;
  /** `E'…'` strings use backslash escapes (PostgreSQL). */
  readonly eStrings: boolean;
  /** `$tag$ … $tag$` (PostgreSQL). */
  readonly dollarQuotes: boolean;
  /** `"…"` is a string (MySQL default) rather than an identifier — masked either way. */
  readonly doubleQuote: boolean;
  readonly backticks: boolean;
  readonly brackets: boolean;
  /** `# …` line comments (MySQL). */
  readonly hashComments: boolean;
  /** `--` starts a comment only when followed by white space (MySQL). */
  readonly dashDashNeedsSpace: boolean;
  /** `/* /* *\/ *\/` nests (PostgreSQL, SQL Server). */
  readonly nestedComments: boolean;
  /** `/*! … *\/` is executed, not ignored (MySQL/MariaDB). */
  readonly executableComments: boolean;
  /** Oracle `q'[…]'` alternative quoting. */
  readonly qQuotes: boolean;
}

const RULES: Readonly<Record<Exclude<SqlDialect, 'any'>, LexRules>> = {
  postgres: {
    name: 'PostgreSQL', backslashEscapes: false, eStrings: true, dollarQuotes: true, doubleQuote: true, backticks: false, brackets: false,
    hashComments: false, dashDashNeedsSpace: false, nestedComments: true, executableComments: false, qQuotes: false,
  },
  mysql: {
    name: 'MySQL', backslashEscapes: true, eStrings: false, dollarQuotes: false, doubleQuote: true, backticks: true, brackets: false,
    hashComments: true, dashDashNeedsSpace: true, nestedComments: false, executableComments: true, qQuotes: false,
  },
  mssql: {
    name: 'SQL Server', backslashEscapes: false, eStrings: false, dollarQuotes: false, doubleQuote: true, backticks: false, brackets: true,
    hashComments: false, dashDashNeedsSpace: false, nestedComments: true, executableComments: false, qQuotes: false,
  },
  oracle: {
    name: 'Oracle', backslashEscapes: false, eStrings: false, dollarQuotes: false, doubleQuote: true, backticks: false, brackets: false,
    hashComments: false, dashDashNeedsSpace: false, nestedComments: false, executableComments: false, qQuotes: true,
  },
  sqlite: {
    name: 'SQLite', backslashEscapes: false, eStrings: false, dollarQuotes: false, doubleQuote: true, backticks: true, brackets: true,
    hashComments: false, dashDashNeedsSpace: false, nestedComments: false, executableComments: false, qQuotes: false,
  },
};

/** Statements and clauses that write, lock, or run other code. Matched as whole words outside literals. */
const FORBIDDEN_WORDS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bINTO\b/i, 'SELECT … INTO (writes a table, file or variable)'],
  [/\bINSERT\b/i, 'INSERT'],
  [/\bUPDATE\b/i, 'UPDATE'],
  [/\bDELETE\b/i, 'DELETE'],
  [/\bMERGE\b/i, 'MERGE'],
  [/\bUPSERT\b/i, 'UPSERT'],
  [/\bDROP\b/i, 'DROP'],
  [/\bCREATE\b/i, 'CREATE'],
  [/\bALTER\b/i, 'ALTER'],
  [/\bTRUNCATE\b/i, 'TRUNCATE'],
  [/\bRENAME\b/i, 'RENAME'],
  [/\bGRANT\b/i, 'GRANT'],
  [/\bREVOKE\b/i, 'REVOKE'],
  [/\bEXEC(UTE)?\b/i, 'EXECUTE'],
  [/\bCALL\b/i, 'CALL'],
  [/\bCOPY\b/i, 'COPY'],
  [/\b(UN)?LOCK\b/i, 'LOCK'],
  [/\bFOR\s+(KEY\s+)?SHARE\b/i, 'FOR SHARE (row locks)'],
  [/\b(UPDLOCK|XLOCK|TABLOCKX)\b/i, 'a locking table hint'],
  [/\b(ATTACH|DETACH|PRAGMA|VACUUM|REINDEX)\b/i, 'a database maintenance command'],
  [/\b(COMMIT|ROLLBACK|SAVEPOINT)\b/i, 'a transaction command'],
  [/\b(OPENROWSET|OPENQUERY|OPENDATASOURCE|DBLINK|DBLINK_EXEC)\b/i, 'a call to another server'],
  [
    /\b(NEXTVAL|SETVAL|SET_CONFIG|LO_IMPORT|LO_EXPORT|LO_UNLINK|PG_TERMINATE_BACKEND|PG_CANCEL_BACKEND|PG_ADVISORY_\w*LOCK\w*|GET_LOCK|LOAD_FILE|XP_\w+|SP_\w+)\s*\(/i,
    'a function with side effects',
  ],
];

/** Masks comments, literals and quoted identifiers with spaces (newlines kept, so offsets still give line numbers). */
export function maskSql(sql: string, rules: LexRules): string {
  const out = sql.split('');
  const blank = (from: number, to: number): void => {
    for (let k = from; k < to && k < out.length; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  const n = sql.length;
  let i = 0;
  const unterminated = (what: string, at: number): never => {
    throw new SourceError(
      `The query has an unterminated ${what} starting on line ${lineOf(sql, at)} (${rules.name} rules). RosterSync runs only one complete SELECT statement.`,
      'not-read-only',
    );
  };
  const quoted = (start: number, close: string, backslash: boolean, what: string): number => {
    // start = index of the opening quote; returns index after closing quote.
    let k = start + 1;
    while (k < n) {
      const c = sql[k];
      if (backslash && c === '\\') {
        k += 2;
        continue;
      }
      if (c === close) {
        if (sql[k + 1] === close) {
          k += 2;
          continue;
        }
        return k + 1;
      }
      k++;
    }
    return unterminated(what, start);
  };
  while (i < n) {
    const c = sql[i];
    const next = sql[i + 1];
    if (c === '-' && next === '-' && (!rules.dashDashNeedsSpace || /[\s]/.test(sql[i + 2] ?? ' '))) {
      let k = i;
      while (k < n && sql[k] !== '\n') k++;
      blank(i, k);
      i = k;
    } else if (c === '#' && rules.hashComments) {
      let k = i;
      while (k < n && sql[k] !== '\n') k++;
      blank(i, k);
      i = k;
    } else if (c === '/' && next === '*') {
      if (rules.executableComments && sql[i + 2] === '!') {
        // MySQL runs the text of /*! … */: keep it visible, drop only the markers.
        blank(i, i + 3);
        let k = i + 3;
        while (k < n && /\d/.test(sql[k])) k++;
        blank(i + 3, k);
        i = k;
        continue;
      }
      let depth = 1;
      let k = i + 2;
      while (k < n && depth > 0) {
        if (sql[k] === '*' && sql[k + 1] === '/') {
          depth--;
          k += 2;
        } else if (rules.nestedComments && sql[k] === '/' && sql[k + 1] === '*') {
          depth++;
          k += 2;
        } else k++;
      }
      if (depth > 0) unterminated('comment', i);
      blank(i, k);
      i = k;
    } else if (rules.executableComments && c === '*' && next === '/') {
      // end of an executable comment
      blank(i, i + 2);
      i += 2;
    } else if (c === "'") {
      const escapes = rules.backslashEscapes || (rules.eStrings && /[eE]/.test(sql[i - 1] ?? '') && !/[\w$]/.test(sql[i - 2] ?? ''));
      const k = quoted(i, "'", escapes, 'string literal');
      blank(i + 1, k - 1);
      i = k;
    } else if (rules.qQuotes && (c === 'q' || c === 'Q') && next === "'" && !/[\w$]/.test(sql[i - 1] ?? '')) {
      const open = sql[i + 2] ?? '';
      const close = ({ '[': ']', '(': ')', '{': '}', '<': '>' } as Record<string, string>)[open] ?? open;
      const end = sql.indexOf(`${close}'`, i + 3);
      if (!open || end < 0) unterminated("q'…' string literal", i);
      blank(i + 2, end + 1);
      i = end + 2;
    } else if (c === '"' && rules.doubleQuote) {
      const k = quoted(i, '"', rules.backslashEscapes, 'quoted name or string');
      blank(i + 1, k - 1);
      i = k;
    } else if (c === '`' && rules.backticks) {
      const k = quoted(i, '`', false, 'quoted name');
      blank(i + 1, k - 1);
      i = k;
    } else if (c === '[' && rules.brackets) {
      const k = quoted(i, ']', false, 'bracketed name');
      blank(i + 1, k - 1);
      i = k;
    } else if (c === '$' && rules.dollarQuotes && !/[\w$]/.test(sql[i - 1] ?? '')) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (!tag) {
        i++;
        continue;
      }
      const end = sql.indexOf(tag[0], i + tag[0].length);
      if (end < 0) unterminated('dollar-quoted string', i);
      blank(i + tag[0].length, end);
      i = end + tag[0].length;
    } else {
      i++;
    }
  }
  return out.join('');
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let k = 0; k < offset && k < text.length; k++) if (text[k] === '\n') line++;
  return line;
}

function checkWith(sql: string, rules: LexRules): void {
  const masked = maskSql(sql, rules);
  const body = masked.replace(/[\s;]+$/, '');
  const semi = body.indexOf(';');
  if (semi >= 0) {
    throw new SourceError(
      `The query holds more than one statement (a ";" on line ${lineOf(sql, semi)}). RosterSync runs exactly one SELECT per entity: remove the extra statement.`,
      'not-read-only',
    );
  }
  const first = /^[\s(]*([A-Za-z_]+)/.exec(body);
  if (!first) {
    throw new SourceError('The query is empty. Enter one SELECT statement.', 'not-read-only');
  }
  const word = first[1].toUpperCase();
  if (word !== 'SELECT' && word !== 'WITH') {
    throw new SourceError(
      `The query starts with ${word}; RosterSync runs only a single SELECT or WITH … SELECT statement, read-only.`,
      'not-read-only',
    );
  }
  if (!/\bSELECT\b/i.test(body)) {
    throw new SourceError('The query has no SELECT. RosterSync runs only a single SELECT or WITH … SELECT statement.', 'not-read-only');
  }
  for (const [pattern, label] of FORBIDDEN_WORDS) {
    const m = pattern.exec(body);
    if (m) {
      throw new SourceError(
        `The query contains ${label} ("${m[0].trim()}" on line ${lineOf(sql, m.index)}). RosterSync runs only read-only SELECT statements; ` +
          'if this is a column or table name, put it in quotes.',
        'not-read-only',
      );
    }
  }
}

/**
 * Throws `SourceError(…, 'not-read-only')` unless `sql` is exactly one SELECT or WITH … SELECT
 * statement that neither writes nor locks. A trailing `;` is allowed.
 */
export function assertReadOnlySelect(sql: string, dialect: SqlDialect = 'any'): void {
  if (typeof sql !== 'string' || sql.trim() === '') {
    throw new SourceError('The query is empty. Enter one SELECT statement.', 'not-read-only');
  }
  const all = dialect === 'any' ? Object.values(RULES) : [RULES[dialect]];
  for (const rules of all) checkWith(sql, rules);
}

/**
 * The statement without its trailing `;` and whatever follows it (comments, white space), so it can
 * be wrapped: `COPY (…) TO STDOUT`, `SELECT * FROM (…) LIMIT 0`. Call after assertReadOnlySelect.
 */
export function withoutTrailingSemicolon(sql: string, dialect: Exclude<SqlDialect, 'any'>): string {
  const masked = maskSql(sql, RULES[dialect]);
  let end = masked.length;
  while (end > 0 && /\s/.test(masked[end - 1]!)) end--;
  return masked[end - 1] === ';' ? sql.slice(0, end - 1) : sql;
}
