/**
 * Checks one mapped value against its column's rules (src/shared/format.ts) and the file's dialect.
 * Pure. `compileColumnCheck` prepares sets and regular expressions once per column; the returned
 * function pushes problems onto an out-array and allocates nothing when the value is fine.
 *
 * Messages say what was expected; the caller adds file, row, column and value to make a finding.
 */
import type { ColumnDef, ColumnRule, Dialect } from '../shared/format.js';
import { assertNever } from '../shared/transform.js';
import { isCalendarDate, isExactIsoDate } from './transforms.js';
import { checkHostileValue } from './hostile-values.js';

export interface ValueProblem {
  readonly rule: string;
  readonly message: string;
  readonly severity: 'error' | 'warning';
}

export type ColumnCheck = (value: string, problems: ValueProblem[]) => void;

/** A check over the parts of a multi-valued cell (or the whole value as one part); pushes at most one problem. */
type PartCheck = (parts: readonly string[], problems: ValueProblem[]) => void;

const REQUIRED: ValueProblem = { rule: 'required', severity: 'error', message: 'required; the vendor rejects rows without it' };

/**
 * Build the check for one column. `opts.required` overrides `column.required` (a destination option can
 * make a column optional, e.g. passwords when students sign in with Google). Every column of every
 * format is also checked for hostile values (hostile-values.ts); `opts.neutraliseFormulas` says the
 * destination writes formula-like values neutralised, which their warning then says.
 */
export function compileColumnCheck(column: ColumnDef, dialect: Dialect, opts?: { required?: boolean; neutraliseFormulas?: boolean }): ColumnCheck {
  const required = opts?.required ?? column.required;
  const rule = column.rule;
  const neutralised = opts?.neutraliseFormulas ?? false;
  const checks: ((value: string, problems: ValueProblem[]) => void)[] = [(value, problems) => checkHostileValue(value, problems, neutralised)];

  if (dialect.quoting === 'never') checks.push(compileNoQuotes(dialect.delimiter));
  if (rule?.maxLength !== undefined) checks.push(compileMaxLength(rule.maxLength));

  const partChecks = rule !== undefined ? compilePartChecks(rule) : [];
  const multi = rule?.multi;
  if (multi !== undefined) {
    checks.push(compileMulti(multi.separator, multi.maxCount, partChecks));
  } else if (partChecks.length > 0) {
    // One value: the part checks see it as a list of one (the same array each row; they keep no reference to it).
    const one = [''];
    checks.push((value, problems) => {
      one[0] = value;
      for (const c of partChecks) c(one, problems);
    });
  }

  // Every check is a pure function of the value, and a column often holds the same value row after row
  // (a role, a school, a grade, true/false): the last value found clean is not checked again.
  let lastClean: string | undefined;
  return (value, problems) => {
    if (value === lastClean) return;
    if (value === '' || value.trim() === '') {
      if (required) problems.push(REQUIRED);
      return;
    }
    const before = problems.length;
    for (let i = 0; i < checks.length; i++) checks[i](value, problems);
    if (problems.length === before) lastClean = value;
  };
}

// ---------------------------------------------------------------------------------------------

function delimiterName(delimiter: string): string {
  switch (delimiter) {
    case ',':
      return 'a comma';
    case '\t':
      return 'a tab';
    case ';':
      return 'a semicolon';
    case '|':
      return 'a vertical bar (|)';
    default:
      return `the delimiter "${delimiter}"`;
  }
}

function compileNoQuotes(delimiter: string): (value: string, problems: ValueProblem[]) => void {
  const delimName = delimiterName(delimiter);
  return (value, problems) => {
    const found: string[] = [];
    if (delimiter !== '' && value.includes(delimiter)) found.push(delimName);
    if (value.includes('"')) found.push('a double quote');
    if (value.includes('\n') || value.includes('\r')) found.push('a line break');
    if (found.length === 0) return;
    problems.push({
      rule: 'no-quotes',
      severity: 'error',
      message: `contains ${joinWords(found)}; this vendor forbids quoted fields, so the value must not contain the delimiter, quotes or line breaks`,
    });
  };
}

function joinWords(words: readonly string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

function charCount(value: string): number {
  let n = value.length;
  // Count astral characters (surrogate pairs) once, as a vendor counting characters would.
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) n--;
  }
  return n;
}

function compileMaxLength(max: number): (value: string, problems: ValueProblem[]) => void {
  return (value, problems) => {
    if (value.length <= max) return;
    const n = charCount(value);
    if (n <= max) return;
    problems.push({ rule: 'length', severity: 'warning', message: `${n} characters; the vendor truncates after ${max}` });
  };
}

function compileMulti(
  separator: string,
  maxCount: number | undefined,
  partChecks: readonly PartCheck[],
): (value: string, problems: ValueProblem[]) => void {
  // One part can never be too many unless at most 0 are allowed (then the general path reports it).
  const oneFits = maxCount === undefined || maxCount >= 1;
  /** The parts of a value without the separator: the same array each time (part checks keep no reference to it). */
  const one = [''];
  return (value, problems) => {
    // The common case, a single value: no split. The caller (compileColumnCheck) never passes a blank
    // value, so the one part is not empty and this is exactly what the general path below finds.
    if (oneFits && (separator === '' || !value.includes(separator))) {
      if (partChecks.length === 0) return;
      one[0] = value;
      for (let i = 0; i < partChecks.length; i++) partChecks[i]!(one, problems);
      return;
    }
    const parts = separator === '' ? [value] : value.split(separator);
    let empty = 0;
    for (const p of parts) if (p.trim() === '') empty++;
    if (empty > 0) {
      problems.push({
        rule: 'multi',
        severity: 'error',
        message: `${empty === 1 ? 'an empty item' : `${empty} empty items`} in the list; expected values separated by "${separator}" with nothing blank between them`,
      });
    }
    if (maxCount !== undefined && parts.length > maxCount) {
      problems.push({
        rule: 'max-count',
        severity: 'error',
        message: `${parts.length} values; at most ${maxCount} allowed (separated by "${separator}")`,
      });
    }
    if (partChecks.length === 0) return;
    const nonEmpty = empty > 0 ? parts.filter((p) => p.trim() !== '') : parts;
    for (const c of partChecks) c(nonEmpty, problems);
  };
}

const ALLOWED_LISTED = 25;

function quoteList(values: readonly string[]): string {
  return values.map((v) => `"${v}"`).join(', ');
}

function compilePartChecks(rule: ColumnRule): PartCheck[] {
  const checks: PartCheck[] = [];

  const allowedList = rule.allowed;
  if (allowedList !== undefined && allowedList.length > 0) {
    const allowed = new Set(allowedList);
    const byLower = new Map<string, string>();
    for (const a of allowedList) if (!byLower.has(a.toLowerCase())) byLower.set(a.toLowerCase(), a);
    const shown = allowedList.length > ALLOWED_LISTED
      ? `${allowedList.slice(0, ALLOWED_LISTED).join(', ')}, … (${allowedList.length} in all)`
      : allowedList.join(', ');
    const expectedPrefix = allowedList.length === 1 ? '' : 'one of ';
    checks.push((parts, problems) => {
      let bad: string[] | undefined;
      for (const p of parts) {
        if (!allowed.has(p)) (bad ??= []).push(p);
      }
      if (bad === undefined) return;
      const hints = bad
        .map((b) => byLower.get(b.trim().toLowerCase()))
        .filter((h): h is string => h !== undefined);
      const hint = hints.length > 0 ? ` (values are case-sensitive: did you mean ${quoteList(hints)}?)` : '';
      problems.push({
        rule: 'allowed',
        severity: 'error',
        message: `${quoteList(bad)} ${bad.length === 1 ? 'is' : 'are'} not allowed; expected ${expectedPrefix}${shown}${hint}`,
      });
    });
  }

  if (rule.pattern !== undefined && rule.pattern !== '') {
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${rule.pattern})$`);
    } catch (e) {
      throw new Error(`column rule pattern /${rule.pattern}/ is not a valid regular expression (${(e as Error).message})`, { cause: e });
    }
    const expected = rule.patternLabel !== undefined && rule.patternLabel !== ''
      ? `${rule.patternLabel} (pattern ${rule.pattern})`
      : `a value matching the pattern ${rule.pattern}`;
    checks.push((parts, problems) => {
      let bad: string[] | undefined;
      for (const p of parts) if (!re.test(p)) (bad ??= []).push(p);
      if (bad === undefined) return;
      problems.push({ rule: 'pattern', severity: 'error', message: `${quoteList(bad)} ${bad.length === 1 ? 'does' : 'do'} not match; expected ${expected}` });
    });
  }

  const kindName = rule.kind;
  if (kindName !== undefined) {
    const kind = compileKind(kindName);
    checks.push((parts, problems) => {
      let bad: string[] | undefined;
      for (const p of parts) if (!kind.test(p)) (bad ??= []).push(p);
      if (bad === undefined) return;
      problems.push({ rule: kindName, severity: 'error', message: `${quoteList(bad)} ${bad.length === 1 ? 'is' : 'are'} not valid; expected ${kind.expected}` });
    });
  }

  return checks;
}

// ---------------------------------------------------------------------------------------------
// Built-in kinds

interface KindCheck {
  readonly test: (value: string) => boolean;
  readonly expected: string;
}

/**
 * RFC-5321-light: a dot-atom local part (no leading, trailing or doubled dots), an "@", and a domain of
 * letter/digit/hyphen labels ending in an alphabetic top-level domain. No spaces, quotes or comments.
 */
const EMAIL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;

const DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-](\d{2}):?(\d{2}))?$/;
const YEAR = /^\d{4}$/;

function isIsoDateTime(value: string): boolean {
  const m = DATETIME.exec(value);
  if (m === null || !isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3]))) return false;
  if (Number(m[4]) > 23 || Number(m[5]) > 59 || (m[6] !== undefined && Number(m[6]) > 59)) return false;
  if (m[8] !== undefined && (Number(m[8]) > 23 || Number(m[9]) > 59)) return false;
  return true;
}

function compileKind(kind: NonNullable<ColumnRule['kind']>): KindCheck {
  switch (kind) {
    case 'email':
      return { test: (v) => v.length <= 254 && v.indexOf('@') <= 64 && EMAIL.test(v), expected: 'an email address such as name@school.org' };
    case 'date':
      return { test: isExactIsoDate, expected: 'a date as YYYY-MM-DD (e.g. 2012-03-07)' };
    case 'datetime':
      return { test: isIsoDateTime, expected: 'an ISO 8601 date and time such as 2024-08-15T13:45:00Z' };
    case 'boolean':
      return { test: (v) => v === 'true' || v === 'false', expected: 'true or false' };
    case 'year':
      return { test: (v) => YEAR.test(v) && v !== '0000', expected: 'a 4-digit year (YYYY)' };
    default:
      return assertNever(kind, 'column kind');
  }
}
