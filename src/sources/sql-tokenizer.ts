/**
 * A SQL tokenizer with each engine's own lexing rules, so the read-only guard (sql-guard.ts) sees a
 * query the way the server will: a name in quotes ("dblink", [xp_cmdshell], `load_file`, U&"…")
 * is still a name, a string is never code, a comment is never code — except MySQL/MariaDB's
 * executable comments (`/*! … *\/`, `/*!50000 … *\/`, `/*M! … *\/`, `/*M!100000 … *\/`), whose
 * content the server runs and which are therefore tokenized as code.
 */
import { SourceError } from './types.js';

export type Engine = 'postgres' | 'mysql' | 'mssql' | 'oracle' | 'sqlite';

export type TokenKind =
  /** An unquoted name or keyword; `value` is upper-cased. */
  | 'word'
  /** A quoted name ("…", `…`, […], U&"…"); `value` is the name as the server resolves it. */
  | 'identifier'
  /** A string literal; `value` is its content. */
  | 'string'
  | 'number'
  /** `$1`. */
  | 'parameter'
  /** Any other single character: `;`, `(`, `.`, `,`, operators. */
  | 'symbol';

export interface SqlToken {
  readonly kind: TokenKind;
  readonly value: string;
  /** The token as written. */
  readonly text: string;
  readonly offset: number;
  readonly line: number;
  readonly column: number;
  /** Came from inside a MySQL/MariaDB executable comment. */
  readonly executableComment: boolean;
}

/** How one engine (or one server mode of it) reads SQL text. */
export interface LexRules {
  readonly name: string;
  /** `\'` escapes inside '…' (MySQL without NO_BACKSLASH_ESCAPES). */
  readonly backslashEscapes: boolean;
  /** `E'…'` strings with backslash escapes, `U&'…'`/`U&"…"` Unicode escapes (PostgreSQL). */
  readonly postgresStrings: boolean;
  /** `$tag$ … $tag$` (PostgreSQL). */
  readonly dollarQuotes: boolean;
  /** `"…"` is a string (MySQL without ANSI_QUOTES) rather than a quoted name. */
  readonly doubleQuotedStrings: boolean;
  readonly backticks: boolean;
  readonly brackets: boolean;
  /** `# …` line comments (MySQL). */
  readonly hashComments: boolean;
  /** `--` starts a comment only when followed by white space or a control character (MySQL). */
  readonly dashDashNeedsSpace: boolean;
  /** `/* /* *\/ *\/` nests (PostgreSQL, SQL Server). */
  readonly nestedComments: boolean;
  /** `/*! … *\/` and `/*M! … *\/` are run by the server (MySQL/MariaDB). */
  readonly executableComments: boolean;
  /** Oracle `q'[…]'` alternative quoting. */
  readonly qQuotes: boolean;
  /** Characters allowed inside an unquoted name besides letters, digits and `_`. */
  readonly extraNameChars: string;
  /** Characters that may start an unquoted name besides letters and `_` (SQL Server `#temp`, `@var`). */
  readonly extraNameStart: string;
}

const BASE: Omit<LexRules, 'name'> = {
  backslashEscapes: false,
  postgresStrings: false,
  dollarQuotes: false,
  doubleQuotedStrings: false,
  backticks: false,
  brackets: false,
  hashComments: false,
  dashDashNeedsSpace: false,
  nestedComments: false,
  executableComments: false,
  qQuotes: false,
  extraNameChars: '$',
  extraNameStart: '',
};

const MYSQL: LexRules = {
  ...BASE,
  name: 'MySQL/MariaDB',
  backslashEscapes: true,
  doubleQuotedStrings: true,
  backticks: true,
  hashComments: true,
  dashDashNeedsSpace: true,
  executableComments: true,
};

/**
 * Each engine's reading of SQL text. MySQL/MariaDB is read twice because the server's sql_mode
 * changes the lexing (NO_BACKSLASH_ESCAPES, ANSI_QUOTES) and the query must be safe under both.
 * PostgreSQL's driver pins `standard_conforming_strings=on`, so one reading is exact.
 */
export const ENGINE_RULES: Readonly<Record<Engine, readonly LexRules[]>> = {
  postgres: [{ ...BASE, name: 'PostgreSQL', postgresStrings: true, dollarQuotes: true, nestedComments: true }],
  mysql: [MYSQL, { ...MYSQL, name: 'MySQL/MariaDB (ANSI_QUOTES, NO_BACKSLASH_ESCAPES)', backslashEscapes: false, doubleQuotedStrings: false }],
  mssql: [{ ...BASE, name: 'SQL Server', brackets: true, nestedComments: true, extraNameChars: '$#@', extraNameStart: '#@' }],
  oracle: [{ ...BASE, name: 'Oracle', qQuotes: true, extraNameChars: '$#' }],
  sqlite: [{ ...BASE, name: 'SQLite', backticks: true, brackets: true }],
};

/** A query the tokenizer cannot read to its end (an open string, comment or quoted name). */
export class UnterminatedSqlError extends SourceError {
  constructor(
    readonly what: string,
    readonly line: number,
    readonly column: number,
    rules: LexRules,
  ) {
    super(
      `The query has an unterminated ${what} starting at line ${line}:${column} (${rules.name} rules). RosterSync runs only one complete SELECT statement.`,
      'not-read-only',
    );
    this.name = 'UnterminatedSqlError';
  }
}

const Q_CLOSERS: Readonly<Record<string, string>> = { '[': ']', '(': ')', '{': '}', '<': '>' };

function isLetter(c: string | undefined): boolean {
  return c !== undefined && /[\p{L}_]/u.test(c);
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

/** Reads SQL text into tokens under one set of lexing rules. Comments and white space are dropped. */
export function tokenize(sql: string, rules: LexRules): SqlToken[] {
  const tokens: SqlToken[] = [];
  const n = sql.length;
  const lineStarts = [0];
  for (let k = 0; k < n; k++) if (sql[k] === '\n') lineStarts.push(k + 1);
  const position = (offset: number): { line: number; column: number } => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - lineStarts[lo]! + 1 };
  };
  const unterminated = (what: string, at: number): never => {
    const { line, column } = position(at);
    throw new UnterminatedSqlError(what, line, column, rules);
  };
  let inExecutableComment = false;
  const push = (kind: TokenKind, value: string, from: number, to: number): void => {
    tokens.push({ kind, value, text: sql.slice(from, to), offset: from, ...position(from), executableComment: inExecutableComment });
  };
  const isNameChar = (c: string | undefined): boolean => c !== undefined && (isLetter(c) || isDigit(c) || rules.extraNameChars.includes(c));

  /** A quoted run from `open` (index of the opening quote); a doubled closer is one character. Returns [content, end]. */
  const quoted = (open: number, close: string, backslash: boolean, what: string): [string, number] => {
    let k = open + 1;
    let value = '';
    while (k < n) {
      const c = sql[k]!;
      if (backslash && c === '\\') {
        value += sql[k + 1] ?? '';
        k += 2;
        continue;
      }
      if (c === close) {
        if (sql[k + 1] === close) {
          value += close;
          k += 2;
          continue;
        }
        return [value, k + 1];
      }
      value += c;
      k++;
    }
    return unterminated(what, open);
  };

  /** Skips a block comment starting at `i` (`/*`); returns the index after it. */
  const blockComment = (i: number): number => {
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
    return k;
  };

  let i = 0;
  while (i < n) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '-' && next === '-' && (!rules.dashDashNeedsSpace || i + 2 >= n || sql.charCodeAt(i + 2) <= 0x20)) {
      while (i < n && sql[i] !== '\n') i++;
    } else if (c === '#' && rules.hashComments) {
      while (i < n && sql[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      const marker = rules.executableComments && !inExecutableComment ? /^\/\*[Mm]?!\d*/.exec(sql.slice(i, i + 12)) : null;
      if (marker) {
        // The server runs what is inside (`/*!50000 … *\/` on MySQL ≥ 5.0, `/*M! … *\/` on MariaDB): read it as code.
        inExecutableComment = true;
        i += marker[0].length;
      } else {
        i = blockComment(i);
      }
    } else if (inExecutableComment && c === '*' && next === '/') {
      inExecutableComment = false;
      i += 2;
    } else if (c === "'") {
      const [value, end] = quoted(i, "'", rules.backslashEscapes, 'string literal');
      push('string', value, i, end);
      i = end;
    } else if (c === '"') {
      const [value, end] = quoted(i, '"', rules.backslashEscapes && rules.doubleQuotedStrings, rules.doubleQuotedStrings ? 'string literal' : 'quoted name');
      push(rules.doubleQuotedStrings ? 'string' : 'identifier', value, i, end);
      i = end;
    } else if (c === '`' && rules.backticks) {
      const [value, end] = quoted(i, '`', false, 'quoted name');
      push('identifier', value, i, end);
      i = end;
    } else if (c === '[' && rules.brackets) {
      const [value, end] = quoted(i, ']', false, 'bracketed name');
      push('identifier', value, i, end);
      i = end;
    } else if (c === '$' && rules.dollarQuotes) {
      const tag = /^\$(?:[\p{L}_][\p{L}\p{N}_]*)?\$/u.exec(sql.slice(i, i + 200));
      if (tag) {
        const end = sql.indexOf(tag[0], i + tag[0].length);
        if (end < 0) unterminated('dollar-quoted string', i);
        push('string', sql.slice(i + tag[0].length, end), i, end + tag[0].length);
        i = end + tag[0].length;
      } else {
        let k = i + 1;
        while (isDigit(sql[k])) k++;
        push(k > i + 1 ? 'parameter' : 'symbol', sql.slice(i, k), i, Math.max(k, i + 1));
        i = Math.max(k, i + 1);
      }
    } else if (isDigit(c) || (c === '.' && isDigit(next))) {
      // A letter right after a number starts a new word: PostgreSQL reads `1into` as `1 into`.
      const m = /^(?:0[xX][0-9a-fA-F]+|\d*\.?\d+(?:[eE][+-]?\d+)?|\d+\.)/.exec(sql.slice(i, i + 400))!;
      push('number', m[0], i, i + m[0].length);
      i += m[0].length;
    } else if (isLetter(c) || rules.extraNameStart.includes(c)) {
      let k = i + 1;
      while (isNameChar(sql[k])) k++;
      const word = sql.slice(i, k);
      const upper = word.toUpperCase();
      if (rules.postgresStrings && upper === 'E' && sql[k] === "'") {
        const [value, end] = quoted(k, "'", true, 'string literal');
        push('string', value, i, end);
        i = end;
      } else if (rules.postgresStrings && upper === 'U' && sql[k] === '&' && (sql[k + 1] === "'" || sql[k + 1] === '"')) {
        const quote = sql[k + 1]!;
        const [raw, end] = quoted(k + 1, quote, false, quote === "'" ? 'string literal' : 'quoted name');
        const escape = unicodeEscapeChar(sql, end);
        push(quote === "'" ? 'string' : 'identifier', decodeUnicodeEscapes(raw, escape.char), i, end);
        i = escape.end;
      } else if (rules.qQuotes && (upper === 'Q' || upper === 'NQ') && sql[k] === "'" && sql[k + 1] !== undefined) {
        const open = sql[k + 1]!;
        const close = Q_CLOSERS[open] ?? open;
        const end = sql.indexOf(`${close}'`, k + 2);
        if (end < 0) unterminated("q'…' string literal", i);
        push('string', sql.slice(k + 2, end), i, end + 2);
        i = end + 2;
      } else {
        push('word', upper, i, k);
        i = k;
      }
    } else {
      push('symbol', c, i, i + 1);
      i++;
    }
  }
  if (inExecutableComment) unterminated('executable comment', n);
  return tokens;
}

/** PostgreSQL's `U&"…" UESCAPE '!'`: the escape character (default `\`) and where the token really ends. */
function unicodeEscapeChar(sql: string, from: number): { char: string; end: number } {
  const m = /^\s*UESCAPE\s*'(.)'/i.exec(sql.slice(from, from + 40));
  return m ? { char: m[1]!, end: from + m[0].length } : { char: '\\', end: from };
}

/** Decodes `\0064` and `\+000064` (with the given escape character) as PostgreSQL does in U&"…". */
export function decodeUnicodeEscapes(raw: string, escape: string): string {
  let out = '';
  for (let k = 0; k < raw.length; k++) {
    if (raw[k] !== escape) {
      out += raw[k];
      continue;
    }
    if (raw[k + 1] === escape) {
      out += escape;
      k++;
      continue;
    }
    const long = raw[k + 1] === '+';
    const hex = raw.slice(k + (long ? 2 : 1), k + (long ? 8 : 5));
    if (/^[0-9a-fA-F]+$/.test(hex) && hex.length === (long ? 6 : 4)) {
      out += String.fromCodePoint(parseInt(hex, 16));
      k += long ? 7 : 4;
    } else out += raw[k];
  }
  return out;
}
