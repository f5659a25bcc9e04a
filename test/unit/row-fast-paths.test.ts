/**
 * The row path's fast paths (#18) give exactly what the general path gives: multi-valued transforms and
 * checks of a value without a separator, memoised race and gender steps. Each is compared with the
 * general algorithm over edge cases (blank, whitespace, separators at the ends, repeats, limits of 0).
 */
import { describe, expect, it } from 'vitest';
import { compileTransforms, nanpFastPath, parseRace, type CompiledTransform, type TransformContext, type TransformIssue } from '../../src/pipeline/transforms.js';
import { compileColumnCheck, type ValueProblem } from '../../src/pipeline/value-rules.js';
import { DEFAULT_DIALECT, type ColumnRule } from '../../src/shared/format.js';
import type { RaceCategory, TransformStep } from '../../src/shared/transform.js';

const ctx: TransformContext = {
  field: () => null,
  site: (code) => (code === '007' ? { siteId: 'S-007', label: 'Lincoln' } : code === 'blank' ? { siteId: '', label: '' } : undefined),
  phoneRegion: 'US',
};

function run(fn: CompiledTransform, value: string): { out: string; issues: TransformIssue[] } {
  const issues: TransformIssue[] = [];
  return { out: fn(value, ctx, issues), issues };
}

/** The multi step as it was before the fast path: split, trim, a Set and an array per value. */
function referenceMulti(split: string, join: string, max: number | undefined, each: readonly TransformStep[] | undefined): CompiledTransform {
  const perPart = each !== undefined && each.length > 0 ? compileTransforms(each) : undefined;
  return (v, c, issues) => {
    if (v === '' || v.trim() === '') return v;
    const raw = split === '' ? [v] : v.split(split);
    const parts: string[] = [];
    const seen = new Set<string>();
    for (const r of raw) {
      let part = r.trim();
      if (part === '') continue;
      if (perPart !== undefined) {
        part = perPart(part, c, issues);
        if (part === '') continue;
      }
      if (seen.has(part)) continue;
      seen.add(part);
      parts.push(part);
    }
    if (max !== undefined && parts.length > max) {
      const dropped = parts.slice(max);
      issues.push({
        rule: 'max-count',
        severity: 'warning',
        value: v,
        message: `${parts.length} values where at most ${max} are accepted; kept the first ${max}, dropped ${dropped.length} (${dropped.join(', ')})`,
      });
      parts.length = Math.max(0, max);
    }
    return parts.join(join);
  };
}

const MULTI_VALUES = [
  '', ' ', '\t', 'a', ' a ', 'a;', ';a', ';', ';;', 'a;a', 'a; a ;A', 'a;b;c;a', '007', ' 007 ', '007;007', '007;555', '555', 'blank', 'blank;007',
  'k', ' 1 ', 'k;1;01;Grade 1', 'nope', '\u00a0x\u00a0', 'x\u200b', 'a,b', 'a;;b', Array.from({ length: 40 }, (_, i) => `v${i % 25}`).join(';'),
];

describe('multi transform fast path', () => {
  const cases: { split: string; max?: number; each?: TransformStep[] }[] = [
    { split: ';' },
    { split: ';', max: 0 },
    { split: ';', max: 1 },
    { split: ';', max: 2 },
    { split: '' },
    { split: '', max: 0 },
    { split: ';', each: [{ op: 'siteId' }] },
    { split: ';', max: 0, each: [{ op: 'siteId' }] },
    { split: ';', each: [{ op: 'grade', style: 'oneroster' }] },
    { split: ';', each: [{ op: 'blank' }] },
    { split: ';;' },
  ];
  it('gives the general path’s output and issues for every value and setting', () => {
    for (const c of cases) {
      const fast = compileTransforms([{ op: 'multi', split: c.split, join: ',', ...(c.max !== undefined ? { max: c.max } : {}), ...(c.each ? { each: c.each } : {}) }]);
      const slow = referenceMulti(c.split, ',', c.max, c.each);
      for (const v of MULTI_VALUES) expect({ case: c, v, ...run(fast, v) }).toEqual({ case: c, v, ...run(slow, v) });
    }
  });
});

describe('multi column check fast path', () => {
  const rules: ColumnRule[] = [
    {},
    { allowed: ['KG', '01', '02'] },
    { pattern: '[A-Z]\\d+' },
    { kind: 'email' },
    { allowed: ['a', 'b'], pattern: '[a-z]', maxLength: 3 },
  ];
  const values = ['KG', '03', 'kg', 'A1', 'a', 'x@y.org', 'not an email', ' KG', 'abcd', '=A1', 'x\u0000'];
  const problems = (rule: ColumnRule, v: string): ValueProblem[] => {
    const out: ValueProblem[] = [];
    compileColumnCheck({ name: 'c', required: false, rule }, DEFAULT_DIALECT)(v, out);
    return out;
  };
  it('a value without the separator is checked as the single-valued column checks it', () => {
    for (const rule of rules) {
      for (const maxCount of [undefined, 1, 3]) {
        for (const v of values) {
          expect(problems({ ...rule, multi: { separator: ',', ...(maxCount !== undefined ? { maxCount } : {}) } }, v)).toEqual(problems(rule, v));
        }
      }
    }
  });
  it('a limit of 0 still reports the single value as too many', () => {
    expect(problems({ allowed: ['KG'], multi: { separator: ',', maxCount: 0 } }, 'KG')).toEqual([
      { rule: 'max-count', severity: 'error', message: '1 values; at most 0 allowed (separated by ",")' },
    ]);
  });
  it('values with the separator still take the general path', () => {
    expect(problems({ allowed: ['KG', '01'], multi: { separator: ',' } }, 'KG,,03').map((p) => p.rule)).toEqual(['multi', 'allowed']);
  });
});

describe('memoised race and gender steps', () => {
  const RACES = ['', ' ', 'W', 'w', ' W ', 'B;W', 'W;W', 'M', 'Asian', 'Two or More Races', 'W;X', 'x', ';', 'Black; white', 'native hawaiian'];
  const CATEGORIES: RaceCategory[] = ['white', 'asian', 'blackOrAfricanAmerican', 'twoOrMore', 'americanIndianOrAlaskaNative', 'nativeHawaiianOrOtherPacificIslander'];
  /** What the race step gives, from parseRace directly. */
  const expected = (v: string, category: RaceCategory): { out: string; issues: string[] } => {
    if (v.trim() === '') return { out: '', issues: [] };
    const races = parseRace(v);
    if (races === undefined) return { out: '', issues: ['race'] };
    const named = category === 'twoOrMore' ? races.has('twoOrMore') || races.size > 1 : races.has(category);
    return { out: named ? 'true' : 'false', issues: [] };
  };
  it('race: the first and every later call of a value give the same output and issues', () => {
    for (const category of CATEGORIES) {
      const fn = compileTransforms([{ op: 'race', category }]);
      for (let round = 0; round < 3; round++) {
        for (const v of RACES) {
          const r = run(fn, v);
          expect({ v, category, out: r.out, issues: r.issues.map((i) => i.rule) }).toEqual({ v, category, ...expected(v, category) });
          for (const issue of r.issues) expect(issue.value).toBe(v);
        }
      }
    }
  });
  it('gender: a memoised value gives the same output and issues as its first call', () => {
    const GENDERS = ['M', 'm', ' F ', 'Female', 'male', 'non-binary', 'Non_Binary', 'X', 'O', 'unknown', '', '  ', 'fe male'];
    for (const step of [
      { op: 'gender', style: 'letter' },
      { op: 'gender', style: 'word' },
      { op: 'gender', style: 'letter', binary: true },
    ] as TransformStep[]) {
      const fn = compileTransforms([step]);
      const first = GENDERS.map((v) => run(fn, v));
      const again = GENDERS.map((v) => run(fn, v));
      expect(again).toEqual(first);
      expect(first.map((r) => r.out)).toContain(step.op === 'gender' && step.style === 'word' ? 'female' : 'F');
    }
    const letter = compileTransforms([{ op: 'gender', style: 'letter' }]);
    expect(run(letter, 'Non_Binary').out).toBe('X');
    expect(run(letter, 'unknown').issues.map((i) => i.rule)).toEqual(['gender']);
  });
});

/** The NANP fast path as it was before the shortcut for numbers already written as 10 digits or +1 and 10 digits. */
function referenceNanp(text: string, region: string, style: 'e164' | 'national' | 'digits'): string | undefined {
  if (!['US', 'CA'].includes(region) || !/^\+?[\d\s().-]+$/.test(text)) return undefined;
  let digits = text.replace(/\D+/g, '');
  if (digits.length === 11 && digits.charCodeAt(0) === 49) digits = digits.slice(1);
  else if (digits.length !== 10 || text.charCodeAt(0) === 43) return undefined;
  const first = digits.charCodeAt(0);
  if (first < 50 || first > 57) return undefined;
  if (style === 'e164') return `+1${digits}`;
  if (style === 'digits') return digits;
  return `(${digits.slice(0, 3)}) ${digits.slice(3, 6)}-${digits.slice(6)}`;
}

describe('phone: numbers already in canonical shape', () => {
  const TEXTS = [
    '2125550000', '9999999999', '0125550000', '1125550000', '212555000', '21255500000', '212555000a', '２１２5550000', '212 5550000',
    '+12125550000', '+11125550000', '+10125550000', '+1212555000', '+121255500000', '+22125550000', '+1212555000x', '++2125550000',
    '12125550000', '1+2125550000', '+1-212555000', '+1 2125550000', '', '+1', '+',
    '(458) 457-9647', '360.587.9102', '+1 541 596 9598', '1-212-555-0000', '+1 (212) 555-0000', '212\u00a0555\u00a00000', '212\u2003555 0000',
    '(212) 555-0000 x1', '1 212 555 0000 1', '+ 2125550000', '2125550000+', '212_555_0000', '\t2125550000\n', '1(012)5550000', '11125550000',
    '121255500001', '212\v555\f0000\r', '(112) 555-0000', '+44 20 7946 0958', '99999999999', '1 999 999 9999', '212-555-0000\u2028',
  ];
  it('a scan of formatted ASCII numbers agrees with the regular expressions on random texts', () => {
    let seed = 11;
    const rand = (n: number): number => Math.floor((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648 * n);
    const alphabet = '0123456789012345678912 ()+.-\t\u00a0x';
    for (let k = 0; k < 20000; k++) {
      const length = 8 + rand(10);
      let text = '';
      for (let i = 0; i < length; i++) text += alphabet[rand(alphabet.length)];
      if (k % 3 === 0) text = `${rand(2) ? '+' : ''}1${text.replace(/[^0-9]/g, '').slice(0, 10)}`;
      for (const style of ['e164', 'national', 'digits'] as const) expect({ text, style, out: nanpFastPath(text, 'US', style) }).toEqual({ text, style, out: referenceNanp(text, 'US', style) });
    }
  });
  it('give what the general fast path gives, in every style and region', () => {
    for (const region of ['US', 'CA', 'GB'])
      for (const style of ['e164', 'national', 'digits'] as const)
        for (const text of TEXTS) expect({ text, region, style, out: nanpFastPath(text, region, style) }).toEqual({ text, region, style, out: referenceNanp(text, region, style) });
  });
});

describe('memoised bool step', () => {
  it('gives the same output and issues on the first and later calls, for every style', () => {
    const VALUES = ['Y', 'y', ' yes ', 'TRUE', 'true', 't', '1', 'x', 'on', 'N', 'no', 'False', 'f', '0', 'off', '', '  ', 'maybe', '2', 'ja'];
    for (const style of ['yn', 'truefalse', '10'] as const) {
      const fn = compileTransforms([{ op: 'bool', style }]);
      const first = VALUES.map((v) => run(fn, v));
      expect(VALUES.map((v) => run(fn, v))).toEqual(first);
      const [yes, no] = style === 'yn' ? ['Y', 'N'] : style === 'truefalse' ? ['true', 'false'] : ['1', '0'];
      expect(first.map((r) => r.out)).toEqual([yes, yes, yes, yes, yes, yes, yes, yes, yes, no, no, no, no, no, no, no, no, 'maybe', '2', 'ja']);
      expect(first.map((r) => r.issues.length)).toEqual([...Array(17).fill(0), 1, 1, 1]);
    }
  });
});

describe('memoised map step', () => {
  /** The map step without its memo: trim, (lower-case), look up, report. */
  const cases: TransformStep[] = [
    { op: 'map', table: { K: 'KG', ' 0 ': 'KG', '-1': 'PK' } },
    { op: 'map', table: { Mother: 'parent', father: 'parent', Aunt: 'relative' }, caseInsensitive: true, default: 'guardian' },
    { op: 'map', table: { a: 'A', '': 'blank' } },
    { op: 'map', table: { a: 'A' }, unknown: 'keep' },
    { op: 'map', table: { a: 'A' }, default: '' },
  ];
  const VALUES = ['K', ' K ', 'k', '0', ' 0 ', '-1', '9', '', '  ', 'MOTHER', 'mother ', 'Father', 'aunt', 'uncle', 'a', ' a', 'A', 'b'];
  it('gives the same output and issues on the first and every later call of a value', () => {
    for (const step of cases) {
      const fn = compileTransforms([step]);
      const fresh = VALUES.map((v) => run(compileTransforms([step]), v));
      for (let round = 0; round < 3; round++) expect(VALUES.map((v) => run(fn, v))).toEqual(fresh);
    }
    const grade = compileTransforms([cases[0]!]);
    expect(['K', ' 0 ', '9'].map((v) => run(grade, v).out)).toEqual(['KG', 'KG', '9']);
    expect(run(grade, '9').issues.map((i) => i.rule)).toEqual(['map']);
    const rel = compileTransforms([cases[1]!]);
    expect(['', 'MOTHER', 'uncle'].map((v) => run(rel, v).out)).toEqual(['guardian', 'parent', 'guardian']);
    expect(run(rel, 'uncle').issues.map((i) => i.severity)).toEqual(['warning']);
  });
});

describe('column check: the last clean value is not checked again', () => {
  it('gives what a fresh check gives for every value of a sequence with repeats, clean and not', () => {
    const rules: { rule: ColumnRule; required: boolean }[] = [
      { rule: { kind: 'boolean' }, required: true },
      { rule: { allowed: ['KG', '01'], multi: { separator: ',' } }, required: false },
      { rule: { kind: 'email', maxLength: 20 }, required: true },
    ];
    const sequence = ['true', 'true', 'false', 'false', '', '', ' ', 'true', '=1+1', '=1+1', 'true', 'x\u0000', 'x\u0000', 'KG', 'KG', 'KG,01', 'KG,01', 'kg', 'kg',
      'a@b.org', 'a@b.org', 'averyveryverylongname@school.org', 'averyveryverylongname@school.org', 'a@b.org', 'Rodr\u00c3\u00adguez', 'Rodr\u00c3\u00adguez'];
    for (const { rule, required } of rules) {
      const column = { name: 'c', required, rule };
      const reused = compileColumnCheck(column, DEFAULT_DIALECT);
      for (const v of sequence) {
        const fresh: ValueProblem[] = [];
        compileColumnCheck(column, DEFAULT_DIALECT)(v, fresh);
        const again: ValueProblem[] = [];
        reused(v, again);
        expect({ v, problems: again }).toEqual({ v, problems: fresh });
      }
    }
  });
});
