/**
 * Values that are dangerous or damaged rather than merely wrong, checked in every column of every
 * format (value-rules.ts calls `checkHostileValue`):
 *
 * - **Formulas** (OWASP "CSV injection"): a cell starting with `=`, `+`, `-`, `@`, tab or CR is run
 *   as a formula when the file is opened in a spreadsheet (`=HYPERLINK(…)`, `@SUM(…)`, `+cmd|…`).
 *   A warning: the vendor's importer is a program, but files also get opened by people. A value
 *   that is only a signed number or a phone number (`-5`, `+1 (555) 010-0199`) is not flagged: it
 *   has no letters, so it can name no function, cell or command. A destination can neutralise
 *   flagged values at write time (`neutraliseFormula`, see csv-writer.ts).
 * - **Control characters** (C0 but tab, CR and LF; DEL; C1; NUL): no roster value holds one; they
 *   cut strings short in C programs and break importers. An error.
 * - **Bidirectional overrides and isolates** (U+202A–U+202E, U+2066–U+2069): they make text display
 *   differently from its characters (a name or email that reads backwards). An error.
 * - **U+FFFD**: a character an earlier conversion could not decode and replaced; the data is lost. An error.
 * - **Mojibake**: UTF-8 text that was decoded as Windows-1252 on its way into the SIS (`RodrÃ­guez`).
 *   A warning, with the repaired spelling when the bytes say what it was.
 */
import iconv from 'iconv-lite';
import type { ValueProblem } from './value-rules.js';

/** A signed number or a phone number: digits and punctuation only, nothing a spreadsheet could call. */
const SIGNED_NUMBER_OR_PHONE = /^[+-][0-9 ().,/-]*$/;

/** The character that makes a spreadsheet read `value` as a formula, or undefined. */
export function formulaTrigger(value: string): string | undefined {
  // By char code: this runs for every value of a district, and nearly all start with a letter or digit.
  switch (value.charCodeAt(0)) {
    case 0x3d: // =
    case 0x40: // @
    case 0x09: // tab
    case 0x0d: // CR
      return value.charAt(0);
    case 0x2b: // +
    case 0x2d: // -
      return SIGNED_NUMBER_OR_PHONE.test(value) ? undefined : value.charAt(0);
    default:
      return undefined;
  }
}

/** OWASP's neutraliser: a leading single quote makes a spreadsheet show the cell as text. */
export function neutraliseFormula(value: string): string {
  return formulaTrigger(value) === undefined ? value : `'${value}`;
}

/** One scan per value finds every character worth a closer look (the closer look is rare). */
// eslint-disable-next-line no-control-regex -- finding control characters is what this expression is for
const SUSPECT = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069\uFFFD\u00C2\u00C3]/;

const C0_NAMES = [
  'NUL', 'START OF HEADING', 'START OF TEXT', 'END OF TEXT', 'END OF TRANSMISSION', 'ENQUIRY', 'ACKNOWLEDGE', 'BELL', 'BACKSPACE',
  'CHARACTER TABULATION', 'LINE FEED', 'LINE TABULATION', 'FORM FEED', 'CARRIAGE RETURN', 'SHIFT OUT', 'SHIFT IN', 'DATA LINK ESCAPE',
  'DEVICE CONTROL ONE', 'DEVICE CONTROL TWO', 'DEVICE CONTROL THREE', 'DEVICE CONTROL FOUR', 'NEGATIVE ACKNOWLEDGE', 'SYNCHRONOUS IDLE',
  'END OF TRANSMISSION BLOCK', 'CANCEL', 'END OF MEDIUM', 'SUBSTITUTE', 'ESCAPE', 'INFORMATION SEPARATOR FOUR', 'INFORMATION SEPARATOR THREE',
  'INFORMATION SEPARATOR TWO', 'INFORMATION SEPARATOR ONE',
];
const BIDI_NAMES: Readonly<Record<number, string>> = {
  0x202a: 'LEFT-TO-RIGHT EMBEDDING',
  0x202b: 'RIGHT-TO-LEFT EMBEDDING',
  0x202c: 'POP DIRECTIONAL FORMATTING',
  0x202d: 'LEFT-TO-RIGHT OVERRIDE',
  0x202e: 'RIGHT-TO-LEFT OVERRIDE',
  0x2066: 'LEFT-TO-RIGHT ISOLATE',
  0x2067: 'RIGHT-TO-LEFT ISOLATE',
  0x2068: 'FIRST STRONG ISOLATE',
  0x2069: 'POP DIRECTIONAL ISOLATE',
};

type CharacterKind = 'control' | 'bidi' | 'replacement';

function kindOf(code: number): CharacterKind | undefined {
  if (code === 0x09 || code === 0x0a || code === 0x0d) return undefined;
  if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return 'control';
  if (BIDI_NAMES[code] !== undefined) return 'bidi';
  if (code === 0xfffd) return 'replacement';
  return undefined;
}

/** `U+202E RIGHT-TO-LEFT OVERRIDE`, `U+0000 NUL`. */
export function describeCodePoint(code: number): string {
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  const name = code < 0x20 ? C0_NAMES[code] : code === 0x7f ? 'DELETE' : code <= 0x9f && code >= 0x80 ? 'C1 CONTROL' : code === 0xfffd ? 'REPLACEMENT CHARACTER' : BIDI_NAMES[code];
  return name ? `${hex} ${name}` : hex;
}

interface Found {
  first: number;
  at: number;
  count: number;
}

const RULES: Readonly<Record<CharacterKind, { rule: string; why: string }>> = {
  control: { rule: 'control-character', why: 'no roster value holds a control character; importers cut or reject the value. Remove it in the SIS' },
  bidi: {
    rule: 'bidi-override',
    why: 'it makes the text display in a different order from its characters (a name or email that reads backwards). Remove it in the SIS',
  },
  replacement: {
    rule: 'lost-character',
    why: 'an earlier conversion could not decode a character here and replaced it, so the original is lost. Correct the value in the SIS',
  },
};

/** Windows-1252 characters that a UTF-8 continuation byte (0x80–0xBF) turns into when mis-decoded. */
const MOJIBAKE = /[\u00C2\u00C3][\u0080-\u00BF\u0152\u0153\u0160\u0161\u0178\u017D\u017E\u0192\u02C6\u02DC\u2013\u2014\u2018-\u201A\u201C-\u201E\u2020-\u2022\u2026\u2030\u2039\u203A\u20AC\u2122]/;

/** The value's Windows-1252 bytes read as UTF-8, when that is valid UTF-8 (the spelling before the mis-decoding). */
function repairMojibake(value: string): string | undefined {
  try {
    const repaired = new TextDecoder('utf-8', { fatal: true }).decode(iconv.encode(value, 'win1252'));
    return repaired !== value ? repaired : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Pushes the problems of a hostile value: control characters, bidi overrides and lost characters
 * (errors, one per kind, naming the first code point and its position), garbled accents and
 * formula starts (warnings). Allocates nothing for an ordinary value.
 */
export function checkHostileValue(value: string, problems: ValueProblem[], neutralised: boolean): void {
  const trigger = formulaTrigger(value);
  if (trigger !== undefined) {
    const shown = trigger === '\t' ? 'a tab' : trigger === '\r' ? 'a carriage return' : `"${trigger}"`;
    problems.push({
      rule: 'formula',
      severity: 'warning',
      message: neutralised
        ? `starts with ${shown}, which a spreadsheet runs as a formula; written with a leading ' (neutraliseFormulas) so it shows as text`
        : `starts with ${shown}, which a spreadsheet runs as a formula (CSV injection); correct it in the SIS, or set neutraliseFormulas on this destination to write it with a leading '`,
    });
  }
  if (!SUSPECT.test(value)) return;
  const found: Partial<Record<CharacterKind, Found>> = {};
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    const kind = kindOf(code);
    if (kind === undefined) continue;
    const f = found[kind];
    if (f) f.count++;
    else found[kind] = { first: code, at: i + 1, count: 1 };
  }
  for (const kind of ['control', 'bidi', 'replacement'] as const) {
    const f = found[kind];
    if (!f) continue;
    const more = f.count > 1 ? ` (and ${f.count - 1} more)` : '';
    problems.push({ rule: RULES[kind].rule, severity: 'error', message: `contains ${describeCodePoint(f.first)} at character ${f.at}${more}; ${RULES[kind].why}` });
  }
  const garbled = MOJIBAKE.exec(value);
  if (garbled) {
    const repaired = repairMojibake(value);
    problems.push({
      rule: 'mojibake',
      severity: 'warning',
      message: `"${garbled[0]}" looks like UTF-8 text that was decoded as Windows-1252${repaired ? ` (it reads "${repaired}" when decoded right)` : ''}; correct the value in the SIS or the export step that garbled it`,
    });
  }
}
