import { describe, expect, it } from 'vitest';
import {
  applyTransforms,
  compileTransforms,
  formatDate,
  GRADE_CODES,
  isCalendarDate,
  isExactIsoDate,
  parseDate,
  parseGrade,
  titleCase,
  trimValue,
  type TransformContext,
  type TransformIssue,
} from '../../src/pipeline/transforms.js';
import { TRANSFORM_OPS, type TransformStep } from '../../src/shared/transform.js';

const SITES: ReadonlyMap<string, { siteId: string; label: string }> = new Map([
  ['007', { siteId: 'S-007', label: 'Lincoln Elementary' }],
  ['0042', { siteId: '42', label: 'Roosevelt High' }],
  ['100', { siteId: 'NOLABEL', label: '' }],
]);

function makeCtx(row: Record<string, string | null> = {}, phoneRegion = 'US'): TransformContext {
  const lower = new Map(Object.entries(row).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    field: (name) => lower.get(name.toLowerCase()) ?? null,
    site: (code) => SITES.get(code),
    phoneRegion,
  };
}

function run(value: string, steps: readonly TransformStep[], ctx: TransformContext = makeCtx()): { value: string; issues: TransformIssue[] } {
  const issues: TransformIssue[] = [];
  const out = applyTransforms(value, steps, ctx, issues);
  return { value: out, issues };
}

/** Runs and asserts that no issue was raised. */
function clean(value: string, steps: readonly TransformStep[], ctx?: TransformContext): string {
  const r = run(value, steps, ctx);
  expect(r.issues, `issues for ${JSON.stringify(value)}`).toEqual([]);
  return r.value;
}

describe('compileTransforms / applyTransforms', () => {
  it('an empty chain returns the value unchanged', () => {
    expect(clean('  00123 ', [])).toBe('  00123 ');
  });

  it('applies steps in order', () => {
    expect(clean('  smith ', [{ op: 'trim' }, { op: 'upper' }, { op: 'prefix', value: 'X-' }])).toBe('X-SMITH');
    expect(clean('  smith ', [{ op: 'prefix', value: 'X-' }, { op: 'trim' }, { op: 'upper' }])).toBe('X-  SMITH');
  });

  it('a compiled chain gives the same result as applyTransforms and can be reused', () => {
    const steps: TransformStep[] = [{ op: 'trim' }, { op: 'grade', style: 'oneroster' }];
    const fn = compileTransforms(steps);
    const issues: TransformIssue[] = [];
    const ctx = makeCtx();
    expect(['K', ' 9 ', '-1', 'PK'].map((v) => fn(v, ctx, issues))).toEqual(['KG', '09', 'PK', 'PK']);
    expect(issues).toEqual([]);
    expect(applyTransforms(' 9 ', steps, ctx, issues)).toBe('09');
    expect(applyTransforms(' 9 ', steps, ctx, issues)).toBe('09');
  });

  it('chains of three or more steps run every step', () => {
    expect(clean('a', [{ op: 'upper' }, { op: 'suffix', value: '1' }, { op: 'suffix', value: '2' }, { op: 'prefix', value: '0' }])).toBe('0A12');
  });

  it('every op of the TransformStep union compiles (a new op without an implementation fails here)', () => {
    const examples: Record<(typeof TRANSFORM_OPS)[number], TransformStep> = {
      trim: { op: 'trim' },
      upper: { op: 'upper' },
      lower: { op: 'lower' },
      title: { op: 'title' },
      map: { op: 'map', table: { a: 'b' } },
      grade: { op: 'grade', style: 'oneroster' },
      gender: { op: 'gender', style: 'letter' },
      bool: { op: 'bool', style: 'yn' },
      race: { op: 'race', category: 'white' },
      domain: { op: 'domain', option: 'usernameDomain' },
      date: { op: 'date', format: 'iso' },
      phone: { op: 'phone', style: 'e164' },
      siteId: { op: 'siteId' },
      siteLabel: { op: 'siteLabel' },
      multi: { op: 'multi', split: ';', join: ',' },
      default: { op: 'default', value: 'x' },
      prefix: { op: 'prefix', value: 'x' },
      suffix: { op: 'suffix', value: 'x' },
      digits: { op: 'digits' },
      truncate: { op: 'truncate', max: 3 },
      replace: { op: 'replace', pattern: 'a', with: 'b' },
      when: { op: 'when', equals: 'a', then: 'b' },
      blank: { op: 'blank' },
    };
    for (const op of TRANSFORM_OPS) {
      expect(examples[op].op).toBe(op);
      expect(typeof compileTransforms([examples[op]])).toBe('function');
    }
  });

  it('an unknown op is rejected at compile time', () => {
    expect(() => compileTransforms([{ op: 'nope' } as unknown as TransformStep])).toThrow(/Unexpected transform step/);
  });
});

describe('trim, upper, lower, title', () => {
  it('trim removes spaces, tabs, no-break spaces, BOM and zero-width characters at the ends only', () => {
    expect(clean('  José  ', [{ op: 'trim' }])).toBe('José');
    expect(clean('\t00123\r\n', [{ op: 'trim' }])).toBe('00123');
    expect(clean('\u00A0Zoë\u00A0', [{ op: 'trim' }])).toBe('Zoë');
    expect(clean('\uFEFFstudent_id', [{ op: 'trim' }])).toBe('student_id');
    expect(clean('\u200BNguyễn\u200B ', [{ op: 'trim' }])).toBe('Nguyễn');
    expect(clean('Mary  Ann', [{ op: 'trim' }])).toBe('Mary  Ann');
    expect(trimValue('')).toBe('');
    expect(trimValue('   ')).toBe('');
  });

  it('trim keeps leading zeros and inner punctuation', () => {
    expect(clean(' 000042 ', [{ op: 'trim' }])).toBe('000042');
    expect(clean(' "Smith, Jr." ', [{ op: 'trim' }])).toBe('"Smith, Jr."');
  });

  it('upper and lower handle accented letters', () => {
    expect(clean('josé', [{ op: 'upper' }])).toBe('JOSÉ');
    expect(clean('ÉLODIE Ørsted', [{ op: 'lower' }])).toBe('élodie ørsted');
    expect(clean('Student.Name@District.ORG', [{ op: 'lower' }])).toBe('student.name@district.org');
    expect(clean('', [{ op: 'upper' }])).toBe('');
  });

  it('title cases all-lower and all-upper words, keeps mixed-case words and accents', () => {
    expect(titleCase('JOHN SMITH')).toBe('John Smith');
    expect(titleCase('mary-jane watson')).toBe('Mary-Jane Watson');
    expect(titleCase("o'brien")).toBe("O'Brien");
    expect(titleCase("D'ANGELO")).toBe("D'Angelo");
    expect(titleCase("don't stop")).toBe("Don't Stop");
    expect(titleCase('ÉLODIE ÇELIK')).toBe('Élodie Çelik');
    expect(titleCase('josé núñez')).toBe('José Núñez');
    expect(titleCase('McDonald')).toBe('McDonald');
    expect(titleCase('DeShawn')).toBe('DeShawn');
    expect(titleCase('JOHN mcdonald')).toBe('John Mcdonald');
    expect(titleCase('3RD period')).toBe('3rd Period');
    expect(titleCase('Smith, Jr.')).toBe('Smith, Jr.');
    expect(clean('ZOË', [{ op: 'title' }])).toBe('Zoë');
    expect(clean('', [{ op: 'title' }])).toBe('');
  });
});

describe('map', () => {
  const gradeTable = { K: 'KG', '0': 'KG', '-1': 'PK' };

  it('looks values up in the table', () => {
    expect(clean('K', [{ op: 'map', table: gradeTable }])).toBe('KG');
    expect(clean('0', [{ op: 'map', table: gradeTable }])).toBe('KG');
    expect(clean('-1', [{ op: 'map', table: gradeTable }])).toBe('PK');
  });

  it('an unknown value without a default is an error naming the value and the known keys, and is kept', () => {
    const r = run('5', [{ op: 'map', table: gradeTable }]);
    expect(r.value).toBe('5');
    expect(r.issues).toEqual([{ rule: 'map', severity: 'error', value: '5', message: '"5" is not in the value map; expected one of 0, K, -1' }]);
  });

  it('an unknown value with a default is sent as the default, with a warning (never a quiet default)', () => {
    const r = run('White, Non-Hispanic', [{ op: 'map', table: { White: 'true' }, default: 'false' }]);
    expect(r.value).toBe('false');
    expect(r.issues).toEqual([
      { rule: 'map', severity: 'warning', value: 'White, Non-Hispanic', message: '"White, Non-Hispanic" is not in the value map (White); sent "false"' },
    ]);
  });

  it("unknown: 'keep' passes unknown values on silently (free-text columns whose table only spells out codes)", () => {
    expect(clean('Hmong', [{ op: 'map', table: { W: 'White' }, unknown: 'keep' }])).toBe('Hmong');
    expect(clean('W', [{ op: 'map', table: { W: 'White' }, unknown: 'keep' }])).toBe('White');
  });

  it('is case-sensitive unless asked otherwise', () => {
    expect(run('k', [{ op: 'map', table: gradeTable }]).issues).toHaveLength(1);
    expect(clean('k', [{ op: 'map', table: gradeTable, caseInsensitive: true }])).toBe('KG');
    expect(clean('Hispanic', [{ op: 'map', table: { HISPANIC: 'Y' }, caseInsensitive: true, default: 'N' }])).toBe('Y');
  });

  it('ignores surrounding spaces when looking up (CHAR columns pad with spaces)', () => {
    expect(clean('K ', [{ op: 'map', table: gradeTable }])).toBe('KG');
  });

  it('a declared default applies to blank values too (a blank relationship is still a guardian)', () => {
    const relationship: TransformStep[] = [{ op: 'map', caseInsensitive: true, table: { mother: 'parent', father: 'parent' }, default: 'guardian' }];
    expect(clean('', relationship)).toBe('guardian');
    expect(clean('   ', relationship)).toBe('guardian');
    expect(clean('Mother', relationship)).toBe('parent');
  });

  it("an explicit '' entry wins over the default for blanks; without either a blank stays blank", () => {
    expect(clean('', [{ op: 'map', table: { '': 'en' }, default: 'other' }])).toBe('en');
    expect(clean('', [{ op: 'map', table: { '': '' }, default: 'other' }])).toBe('');
    expect(clean('', [{ op: 'map', table: gradeTable }])).toBe('');
  });

  it('does not match inherited object keys', () => {
    expect(run('constructor', [{ op: 'map', table: gradeTable }]).issues).toEqual([expect.objectContaining({ rule: 'map', severity: 'error', value: 'constructor' })]);
    expect(run('toString', [{ op: 'map', table: gradeTable, default: '?' }]).value).toBe('?');
  });
});

describe('race', () => {
  const flag = (category: 'white' | 'asian' | 'twoOrMore'): TransformStep[] => [{ op: 'race', category }];

  it('codes and federal category names → true/false for the column\'s category', () => {
    expect(clean('W', flag('white'))).toBe('true');
    expect(clean('Caucasian', flag('white'))).toBe('true');
    expect(clean('White', flag('asian'))).toBe('false');
    expect(clean('Black or African American', flag('white'))).toBe('false');
    expect(clean('Native Hawaiian or Other Pacific Islander', [{ op: 'race', category: 'nativeHawaiianOrOtherPacificIslander' }])).toBe('true');
  });

  it('several races: each named category is true, and so is two-or-more', () => {
    expect(clean('W;A', flag('white'))).toBe('true');
    expect(clean('W;A', flag('asian'))).toBe('true');
    expect(clean('W;A', flag('twoOrMore'))).toBe('true');
    expect(clean('Multiracial', flag('twoOrMore'))).toBe('true');
    expect(clean('W', flag('twoOrMore'))).toBe('false');
  });

  it('a race value no rule recognises is an error and sent blank, not false', () => {
    const r = run('White, Non-Hispanic', flag('white'));
    expect(r.value).toBe('');
    expect(r.issues).toEqual([expect.objectContaining({ rule: 'race', severity: 'error', value: 'White, Non-Hispanic' })]);
    expect(r.issues[0]!.message).toMatch(/^race "White, Non-Hispanic" is not recognised; sent blank/);
  });

  it('a blank race stays blank (unknown, not false)', () => {
    expect(clean('', flag('white'))).toBe('');
  });
});

describe('domain', () => {
  const withDomain = (domain: string | undefined): TransformContext => ({ ...makeCtx(), option: (id) => (id === 'usernameDomain' ? domain : undefined) });
  const step: TransformStep[] = [{ op: 'domain', option: 'usernameDomain' }];

  it('adds @domain to a name without one, from the destination option', () => {
    expect(clean('pbaker000107', step, withDomain('lakeviewsd.org'))).toBe('pbaker000107@lakeviewsd.org');
    expect(clean('pbaker000107', step, withDomain('@lakeviewsd.org'))).toBe('pbaker000107@lakeviewsd.org');
  });

  it('keeps a name that has a domain, a blank, and every name when the option is empty', () => {
    expect(clean('p@school.org', step, withDomain('lakeviewsd.org'))).toBe('p@school.org');
    expect(clean('', step, withDomain('lakeviewsd.org'))).toBe('');
    expect(clean('pbaker000107', step, withDomain(''))).toBe('pbaker000107');
    expect(clean('pbaker000107', step)).toBe('pbaker000107');
  });
});

describe('grade', () => {
  const cases: [string, string, string, string][] = [
    // input, oneroster, clever, number
    ['K', 'KG', 'Kindergarten', '0'],
    ['KG', 'KG', 'Kindergarten', '0'],
    ['k', 'KG', 'Kindergarten', '0'],
    ['0', 'KG', 'Kindergarten', '0'],
    ['00', 'KG', 'Kindergarten', '0'],
    ['Kindergarten', 'KG', 'Kindergarten', '0'],
    ['KN', 'KG', 'Kindergarten', '0'],
    ['-1', 'PK', 'PreKindergarten', '-1'],
    ['PK', 'PK', 'PreKindergarten', '-1'],
    ['Pre-K', 'PK', 'PreKindergarten', '-1'],
    ['PreK', 'PK', 'PreKindergarten', '-1'],
    ['pre k', 'PK', 'PreKindergarten', '-1'],
    ['P', 'PK', 'PreKindergarten', '-1'],
    ['Pre-Kindergarten', 'PK', 'PreKindergarten', '-1'],
    ['PreKindergarten', 'PK', 'PreKindergarten', '-1'],
    ['1', '01', '1', '1'],
    ['01', '01', '1', '1'],
    ['1st', '01', '1', '1'],
    ['First', '01', '1', '1'],
    ['Grade 1', '01', '1', '1'],
    ['1st Grade', '01', '1', '1'],
    ['GR1', '01', '1', '1'],
    ['2nd', '02', '2', '2'],
    ['3rd', '03', '3', '3'],
    ['9', '09', '9', '9'],
    ['09', '09', '9', '9'],
    ['Gr. 9', '09', '9', '9'],
    ['Grade 09', '09', '9', '9'],
    ['9.0', '09', '9', '9'],
    ['Ninth', '09', '9', '9'],
    ['10', '10', '10', '10'],
    ['12', '12', '12', '12'],
    ['12th Grade', '12', '12', '12'],
    ['Twelfth', '12', '12', '12'],
    ['13', '13', '13', '13'],
    [' 5 ', '05', '5', '5'],
  ];

  it.each(cases)('%j → %s / %s / %s', (input, oneroster, clever, num) => {
    expect(clean(input, [{ op: 'grade', style: 'oneroster' }])).toBe(oneroster);
    expect(clean(input, [{ op: 'grade', style: 'clever' }])).toBe(clever);
    expect(clean(input, [{ op: 'grade', style: 'number' }])).toBe(num);
  });

  const wordOnly: [string, string, string][] = [
    ['TK', 'TK', 'TransitionalKindergarten'],
    ['Transitional Kindergarten', 'TK', 'TransitionalKindergarten'],
    ['IT', 'IT', 'InfantToddler'],
    ['Infant/Toddler', 'IT', 'InfantToddler'],
    ['InfantToddler', 'IT', 'InfantToddler'],
    ['PR', 'PR', 'Preschool'],
    ['Preschool', 'PR', 'Preschool'],
    ['PS', 'PS', 'PostGraduate'],
    ['PostGraduate', 'PS', 'PostGraduate'],
    ['Postsecondary', 'PS', 'PostGraduate'],
    ['UG', 'UG', 'Ungraded'],
    ['Ungraded', 'UG', 'Ungraded'],
    ['Other', 'Other', 'Other'],
  ];

  it.each(wordOnly)('%j → %s / %s', (input, oneroster, clever) => {
    expect(clean(input, [{ op: 'grade', style: 'oneroster' }])).toBe(oneroster);
    expect(clean(input, [{ op: 'grade', style: 'clever' }])).toBe(clever);
  });

  it('every OneRoster code and every Clever word maps to itself', () => {
    for (const code of GRADE_CODES) expect(parseGrade(code)).toBe(code);
    for (const code of GRADE_CODES) {
      const clever = clean(code, [{ op: 'grade', style: 'clever' }]);
      expect(clean(clever, [{ op: 'grade', style: 'oneroster' }])).toBe(code);
    }
  });

  it('an unknown grade is an error that lists the expected codes, and the value is kept', () => {
    for (const bad of ['14', '-2', 'Z', 'Grade', 'Freshman', '1-2']) {
      const r = run(bad, [{ op: 'grade', style: 'oneroster' }]);
      expect(r.value).toBe(bad);
      expect(r.issues).toHaveLength(1);
      expect(r.issues[0]).toMatchObject({ rule: 'grade', severity: 'error', value: bad });
      expect(r.issues[0].message).toContain(`"${bad}"`);
      expect(r.issues[0].message).toContain('IT PR PK TK KG 01–12 13 PS UG Other');
    }
  });

  it('number style reports grades that have no number', () => {
    const r = run('TK', [{ op: 'grade', style: 'number' }]);
    expect(r.value).toBe('TK');
    expect(r.issues).toEqual([expect.objectContaining({ rule: 'grade', severity: 'error' })]);
    expect(r.issues[0].message).toMatch(/no number/);
  });

  it('blank grades pass through without an issue', () => {
    expect(clean('', [{ op: 'grade', style: 'oneroster' }])).toBe('');
    expect(clean('  ', [{ op: 'grade', style: 'clever' }])).toBe('  ');
  });

  it('repeated values give the same answer (memoised lookups)', () => {
    for (let i = 0; i < 3; i++) {
      expect(parseGrade('K')).toBe('KG');
      expect(parseGrade('Z')).toBeUndefined();
    }
  });
});

describe('gender', () => {
  it.each([
    ['M', 'M', 'male'],
    ['m', 'M', 'male'],
    ['Male', 'M', 'male'],
    ['MALE', 'M', 'male'],
    [' F ', 'F', 'female'],
    ['female', 'F', 'female'],
    ['Girl', 'F', 'female'],
    ['X', 'X', 'other'],
    ['Non-binary', 'X', 'other'],
    ['nonbinary', 'X', 'other'],
    ['Other', 'X', 'other'],
  ])('%j → %s / %s', (input, letter, word) => {
    expect(clean(input, [{ op: 'gender', style: 'letter' }])).toBe(letter);
    expect(clean(input, [{ op: 'gender', style: 'word' }])).toBe(word);
  });

  it('an unknown value is reported and kept', () => {
    const r = run('Q', [{ op: 'gender', style: 'letter' }]);
    expect(r.value).toBe('Q');
    expect(r.issues).toEqual([expect.objectContaining({ rule: 'gender', severity: 'error', value: 'Q' })]);
    expect(r.issues[0].message).toMatch(/expected M, F, X/);
  });

  it('blank passes through', () => {
    expect(clean('', [{ op: 'gender', style: 'letter' }])).toBe('');
  });

  it('binary (OneRoster 1.1): male and female pass, another gender is sent blank with a warning', () => {
    expect(clean('F', [{ op: 'gender', style: 'word', binary: true }])).toBe('female');
    expect(clean('m', [{ op: 'gender', style: 'word', binary: true }])).toBe('male');
    const r = run('Non-binary', [{ op: 'gender', style: 'word', binary: true }]);
    expect(r.value).toBe('');
    expect(r.issues).toEqual([expect.objectContaining({ rule: 'gender', severity: 'warning', value: 'Non-binary' })]);
    expect(r.issues[0].message).toMatch(/only male and female/);
  });
});

describe('bool', () => {
  const truthy = ['Y', 'y', 'Yes', 'YES', '1', 'true', 'TRUE', 'T', 'x', 'X', ' y '];
  const falsy = ['N', 'n', 'No', '0', 'false', 'False', 'F', '', '  '];

  it('maps truthy words to Y / true / 1', () => {
    for (const v of truthy) {
      expect(clean(v, [{ op: 'bool', style: 'yn' }])).toBe('Y');
      expect(clean(v, [{ op: 'bool', style: 'truefalse' }])).toBe('true');
      expect(clean(v, [{ op: 'bool', style: '10' }])).toBe('1');
    }
  });

  it('maps falsy words and blank to N / false / 0', () => {
    for (const v of falsy) {
      expect(clean(v, [{ op: 'bool', style: 'yn' }])).toBe('N');
      expect(clean(v, [{ op: 'bool', style: 'truefalse' }])).toBe('false');
      expect(clean(v, [{ op: 'bool', style: '10' }])).toBe('0');
    }
  });

  it('reports other values and keeps them', () => {
    const r = run('maybe', [{ op: 'bool', style: 'yn' }]);
    expect(r.value).toBe('maybe');
    expect(r.issues).toEqual([expect.objectContaining({ rule: 'bool', severity: 'error', value: 'maybe' })]);
    expect(r.issues[0].message).toMatch(/expected Y, N/);
  });
});

describe('isExactIsoDate (the fast path for dates already in ISO form)', () => {
  const slow = (v: string): boolean => {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
    return m !== null && isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3]));
  };

  it('agrees with the regular expression and calendar check on every shape of input', () => {
    const samples = ['2012-03-07', '2012-02-29', '2011-02-29', '2000-02-29', '1900-02-29', '0000-01-01', '9999-12-31', '2012-13-01', '2012-00-10',
      '2012-04-31', '2012-3-07', ' 2012-03-07', '2012-03-07 ', '2012/03/07', '2012-03-0a', '２０１２-03-07', '', '2012-03-07T00:00:00', '20120307'];
    let x = 12345;
    for (let i = 0; i < 5000; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const y = 1 + (x % 2500);
      const m = (x >>> 8) % 14;
      const d = (x >>> 16) % 33;
      samples.push(`${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`);
    }
    for (const v of samples) expect(isExactIsoDate(v), v).toBe(slow(v));
  });

  it('leaves an ISO date as it is, exactly what parsing and formatting it gives', () => {
    for (const v of ['2012-03-07', '2000-02-29', '0001-01-01']) {
      expect(clean(v, [{ op: 'date', format: 'iso' }])).toBe(formatDate(parseDate(v) as { year: number; month: number; day: number }, 'iso'));
    }
  });
});

describe('date', () => {
  const all = (v: string) => ({
    iso: clean(v, [{ op: 'date', format: 'iso' }]),
    mdy: clean(v, [{ op: 'date', format: 'm/d/yyyy' }]),
    MDY: clean(v, [{ op: 'date', format: 'MM/DD/YYYY' }]),
    compact: clean(v, [{ op: 'date', format: 'yyyymmdd' }]),
  });
  const march7 = { iso: '2012-03-07', mdy: '3/7/2012', MDY: '03/07/2012', compact: '20120307' };

  it.each([
    '2012-03-07',
    '2012-3-7',
    '2012/03/07',
    '2012-03-07T00:00:00',
    '2012-03-07T08:15:30.123Z',
    '2012-03-07T23:00:00-05:00',
    '2012-03-07 00:00:00',
    '2012-03-07 00:00:00.000',
    '3/7/2012',
    '03/07/2012',
    '3-7-2012',
    '3/7/2012 12:00:00 AM',
    '20120307',
    ' 2012-03-07 ',
  ])('%j is 7 March 2012 in every output format', (input) => {
    expect(all(input)).toEqual(march7);
  });

  it('formats without leading zeros for m/d/yyyy (passwords that are birthdays)', () => {
    expect(clean('2012-11-25', [{ op: 'date', format: 'm/d/yyyy' }])).toBe('11/25/2012');
    expect(clean('2010-01-01', [{ op: 'date', format: 'm/d/yyyy' }])).toBe('1/1/2010');
  });

  it('accepts 29 February in leap years only', () => {
    expect(clean('2012-02-29', [{ op: 'date', format: 'iso' }])).toBe('2012-02-29');
    expect(clean('2/29/2000', [{ op: 'date', format: 'iso' }])).toBe('2000-02-29');
    const r = run('1900-02-29', [{ op: 'date', format: 'iso' }]);
    expect(r.issues).toEqual([expect.objectContaining({ rule: 'date', severity: 'error' })]);
  });

  it('2-digit years are reported, not guessed', () => {
    const r = run('3/7/12', [{ op: 'date', format: 'iso' }]);
    expect(r.value).toBe('3/7/12');
    expect(r.issues).toEqual([expect.objectContaining({ rule: 'date', severity: 'error', value: '3/7/12' })]);
    expect(r.issues[0].message).toMatch(/2-digit year/);
  });

  it.each(['2012-13-01', '2012-02-30', '13/45/2012', '0/1/2012', 'yesterday', '07.03.2012', '2012-03', '201203071', '40975'])(
    'reports %j as not a date and keeps it',
    (bad) => {
      const r = run(bad, [{ op: 'date', format: 'iso' }]);
      expect(r.value).toBe(bad);
      expect(r.issues).toHaveLength(1);
      expect(r.issues[0]).toMatchObject({ rule: 'date', severity: 'error', value: bad });
      expect(r.issues[0].message).toMatch(/expected/);
    },
  );

  it('blank passes through', () => {
    expect(clean('', [{ op: 'date', format: 'm/d/yyyy' }])).toBe('');
  });

  it('parseDate, formatDate and isCalendarDate are usable on their own', () => {
    expect(parseDate('12/31/1999')).toEqual({ year: 1999, month: 12, day: 31 });
    expect(parseDate('nope')).toHaveProperty('error');
    expect(formatDate({ year: 2024, month: 8, day: 5 }, 'MM/DD/YYYY')).toBe('08/05/2024');
    expect(isCalendarDate(2024, 2, 29)).toBe(true);
    expect(isCalendarDate(2023, 2, 29)).toBe(false);
    expect(isCalendarDate(2023, 4, 31)).toBe(false);
    expect(isCalendarDate(2023, 0, 1)).toBe(false);
  });
});

describe('phone', () => {
  const shapes = ['(555) 123-4567', '555-123-4567', '555.123.4567', '5551234567', '+1 555 123 4567', '1-555-123-4567', '+1 (555) 123-4567', ' 555 123 4567 '];

  it.each(shapes)('%j normalises to E.164, national and digits', (input) => {
    expect(clean(input, [{ op: 'phone', style: 'e164' }])).toBe('+15551234567');
    expect(clean(input, [{ op: 'phone', style: 'national' }])).toBe('(555) 123-4567');
    expect(clean(input, [{ op: 'phone', style: 'digits' }])).toBe('5551234567');
  });

  it('keeps an extension in national style, drops it in E.164', () => {
    expect(clean('212-555-0100 x12', [{ op: 'phone', style: 'national' }])).toBe('(212) 555-0100 ext. 12');
    expect(clean('212-555-0100 x12', [{ op: 'phone', style: 'e164' }])).toBe('+12125550100');
  });

  it('foreign numbers keep their country code', () => {
    expect(clean('+44 20 7946 0958', [{ op: 'phone', style: 'e164' }])).toBe('+442079460958');
    expect(clean('+44 20 7946 0958', [{ op: 'phone', style: 'national' }])).toBe('+44 20 7946 0958');
    expect(clean('+44 20 7946 0958', [{ op: 'phone', style: 'digits' }])).toBe('442079460958');
  });

  it('uses the context region, or the step region when given', () => {
    const gb = makeCtx({}, 'GB');
    expect(clean('020 7946 0958', [{ op: 'phone', style: 'e164' }], gb)).toBe('+442079460958');
    expect(clean('020 7946 0958', [{ op: 'phone', style: 'national' }], gb)).toBe('020 7946 0958');
    expect(clean('020 7946 0958', [{ op: 'phone', style: 'e164', region: 'gb' }])).toBe('+442079460958');
    // The same digits mean a different number in another region.
    expect(clean('(555) 123-4567', [{ op: 'phone', style: 'e164' }], gb)).toBe('+445551234567');
    expect(clean('(555) 123-4567', [{ op: 'phone', style: 'e164', region: 'US' }], gb)).toBe('+15551234567');
  });

  it('numbers it cannot parse are a warning and keep the digits', () => {
    const r = run('555-1234', [{ op: 'phone', style: 'e164' }]);
    expect(r.value).toBe('5551234');
    expect(r.issues).toEqual([expect.objectContaining({ rule: 'phone', severity: 'warning', value: '555-1234' })]);
    expect(r.issues[0].message).toMatch(/region US/);
    expect(r.issues[0].message).toContain('5551234');

    const na = run('N/A', [{ op: 'phone', style: 'national' }]);
    expect(na.value).toBe('');
    expect(na.issues).toEqual([expect.objectContaining({ rule: 'phone', severity: 'warning' })]);
  });

  it('an unsupported region only accepts international numbers', () => {
    const zz = makeCtx({}, 'ZZ');
    expect(clean('+1 555 123 4567', [{ op: 'phone', style: 'e164' }], zz)).toBe('+15551234567');
    const r = run('555-123-4567', [{ op: 'phone', style: 'e164' }], zz);
    expect(r.value).toBe('5551234567');
    expect(r.issues).toHaveLength(1);
  });

  it('blank passes through', () => {
    expect(clean('', [{ op: 'phone', style: 'e164' }])).toBe('');
  });
});

describe('siteId, siteLabel', () => {
  it('maps a school code (leading zeros kept) to the vendor site ID and label', () => {
    expect(clean('007', [{ op: 'siteId' }])).toBe('S-007');
    expect(clean(' 0042 ', [{ op: 'siteId' }])).toBe('42');
    expect(clean('007', [{ op: 'siteLabel' }])).toBe('Lincoln Elementary');
  });

  it('an unmapped school is an error naming the code, and the value is kept', () => {
    const r = run('7', [{ op: 'siteId' }]);
    expect(r.value).toBe('7');
    expect(r.issues).toEqual([{ rule: 'site-map', severity: 'error', value: '7', message: 'school code 7 is not in the site map' }]);
    const z = run('0070', [{ op: 'siteId' }]);
    expect(z.issues[0].message).toBe('school code 0070 is not in the site map');
  });

  it('siteLabel falls back to the value when unmapped or unlabelled', () => {
    expect(clean('999', [{ op: 'siteLabel' }])).toBe('999');
    expect(clean('100', [{ op: 'siteLabel' }])).toBe('100');
  });

  it('blank passes through', () => {
    expect(clean('', [{ op: 'siteId' }])).toBe('');
    expect(clean('', [{ op: 'siteLabel' }])).toBe('');
  });
});

describe('multi', () => {
  it('splits, trims, drops empties, dedupes and joins', () => {
    expect(clean(' 007 ;0042;; 007 ; ', [{ op: 'multi', split: ';', join: ',' }])).toBe('007,0042');
  });

  it('applies `each` steps to every part', () => {
    expect(clean('007;0042', [{ op: 'multi', split: ';', join: ',', each: [{ op: 'siteId' }] }])).toBe('S-007,42');
    expect(clean('k; 1 ;01;Grade 1', [{ op: 'multi', split: ';', join: ',', each: [{ op: 'grade', style: 'oneroster' }] }])).toBe('KG,01');
  });

  it('reports problems of each part', () => {
    const r = run('007;555', [{ op: 'multi', split: ';', join: ',', each: [{ op: 'siteId' }] }]);
    expect(r.value).toBe('S-007,555');
    expect(r.issues).toEqual([expect.objectContaining({ rule: 'site-map', value: '555' })]);
  });

  it('a student with 7 guardians keeps the first 6 and warns how many were dropped', () => {
    const guardians = ['G001', 'G002', 'G003', 'G004', 'G005', 'G006', 'G007'];
    const r = run(guardians.join(';'), [{ op: 'multi', split: ';', join: ',', max: 6 }]);
    expect(r.value).toBe(guardians.slice(0, 6).join(','));
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]).toMatchObject({ rule: 'max-count', severity: 'warning', value: guardians.join(';') });
    expect(r.issues[0].message).toMatch(/7 values/);
    expect(r.issues[0].message).toMatch(/at most 6/);
    expect(r.issues[0].message).toMatch(/dropped 1 \(G007\)/);
  });

  it('exactly max values is fine, and duplicates do not count', () => {
    expect(clean('a;b;c;a', [{ op: 'multi', split: ';', join: ',', max: 3 }])).toBe('a,b,c');
  });

  it('an empty split keeps the value whole; blank passes through', () => {
    expect(clean('a;b', [{ op: 'multi', split: '', join: ',' }])).toBe('a;b');
    expect(clean('', [{ op: 'multi', split: ';', join: ',' }])).toBe('');
  });
});

describe('default, prefix, suffix, blank', () => {
  it('default replaces blank values only', () => {
    expect(clean('', [{ op: 'default', value: 'en' }])).toBe('en');
    expect(clean('   ', [{ op: 'default', value: 'en' }])).toBe('en');
    expect(clean('es', [{ op: 'default', value: 'en' }])).toBe('es');
    expect(clean('0', [{ op: 'default', value: 'en' }])).toBe('0');
  });

  it('prefix and suffix leave blanks alone', () => {
    expect(clean('00123', [{ op: 'prefix', value: 'S' }])).toBe('S00123');
    expect(clean('jdoe', [{ op: 'suffix', value: '@district.org' }])).toBe('jdoe@district.org');
    expect(clean('', [{ op: 'prefix', value: 'S' }])).toBe('');
    expect(clean('', [{ op: 'suffix', value: '@district.org' }])).toBe('');
  });

  it('blank empties the value (a sensitive column switched off)', () => {
    expect(clean('Hispanic', [{ op: 'blank' }])).toBe('');
    expect(clean('', [{ op: 'blank' }])).toBe('');
  });
});

describe('digits, truncate, replace', () => {
  it('digits keeps only digits and left-pads', () => {
    expect(clean('SSID-12-345', [{ op: 'digits' }])).toBe('12345');
    expect(clean('123456789', [{ op: 'digits', pad: 10 }])).toBe('0123456789');
    expect(clean('0012345678901', [{ op: 'digits', pad: 10 }])).toBe('0012345678901');
    expect(clean('', [{ op: 'digits', pad: 10 }])).toBe('');
  });

  it('digits warns when a non-blank value has no digits', () => {
    const r = run('N/A', [{ op: 'digits' }]);
    expect(r.value).toBe('');
    expect(r.issues).toEqual([expect.objectContaining({ rule: 'digits', severity: 'warning', value: 'N/A' })]);
  });

  it('truncate cuts at a character count without splitting characters', () => {
    expect(clean('Roosevelt High School of Science', [{ op: 'truncate', max: 9 }])).toBe('Roosevelt');
    expect(clean('José', [{ op: 'truncate', max: 10 }])).toBe('José');
    expect(clean('😀😀😀', [{ op: 'truncate', max: 2 }])).toBe('😀😀');
    expect(clean('ab😀', [{ op: 'truncate', max: 3 }])).toBe('ab😀');
    expect(clean('', [{ op: 'truncate', max: 2 }])).toBe('');
  });

  it('replace replaces every match, with groups and flags', () => {
    expect(clean('a-b-c', [{ op: 'replace', pattern: '-', with: '' }])).toBe('abc');
    expect(clean('Smith, John', [{ op: 'replace', pattern: '^(\\w+), (\\w+)$', with: '$2 $1' }])).toBe('John Smith');
    expect(clean('ABC abc', [{ op: 'replace', pattern: 'abc', with: 'x', flags: 'i' }])).toBe('x x');
    expect(clean('"Bob"', [{ op: 'replace', pattern: '"', with: "'" }])).toBe("'Bob'");
    expect(clean('', [{ op: 'replace', pattern: '^$', with: 'x' }])).toBe('');
  });

  it('an invalid pattern fails at compile time with a clear message', () => {
    expect(() => compileTransforms([{ op: 'replace', pattern: '(', with: '' }])).toThrow(/replace: \/\(\/ is not a valid regular expression/);
  });
});

describe('when', () => {
  const row = { Status: 'Active', Grade: 'K', Language: '', Role: 'parent' };
  const ctx = makeCtx(row);

  it('compares a named field (case-insensitive name and value) with equals', () => {
    expect(clean('x', [{ op: 'when', field: 'status', equals: 'active', then: 'true', else: 'false' }], ctx)).toBe('true');
    expect(clean('x', [{ op: 'when', field: 'status', equals: 'inactive', then: 'true', else: 'false' }], ctx)).toBe('false');
  });

  it('keeps the value when nothing matches and there is no else', () => {
    expect(clean('keep', [{ op: 'when', field: 'status', equals: 'inactive', then: 'x' }], ctx)).toBe('keep');
  });

  it('tests membership with in', () => {
    expect(clean('', [{ op: 'when', field: 'role', in: ['Parent', 'Guardian'], then: 'guardian', else: 'relative' }], ctx)).toBe('guardian');
    expect(clean('', [{ op: 'when', field: 'role', in: ['aunt'], then: 'guardian', else: 'relative' }], ctx)).toBe('relative');
  });

  it('tests blankness with empty, on a field or on the value', () => {
    expect(clean('', [{ op: 'when', field: 'language', empty: true, then: 'en' }], ctx)).toBe('en');
    expect(clean('es', [{ op: 'when', empty: true, then: 'en' }])).toBe('es');
    expect(clean('', [{ op: 'when', empty: true, then: 'en' }])).toBe('en');
    expect(clean('es', [{ op: 'when', empty: false, then: 'other', else: 'none' }])).toBe('other');
  });

  it('a missing field counts as blank', () => {
    expect(clean('v', [{ op: 'when', field: 'nope', empty: true, then: 'missing' }], ctx)).toBe('missing');
  });

  it('tests the value itself when no field is named', () => {
    expect(clean('Y', [{ op: 'when', equals: 'y', then: 'true', else: 'false' }])).toBe('true');
  });

  it('all conditions must hold; with none, the subject must be non-blank', () => {
    expect(clean('v', [{ op: 'when', field: 'grade', equals: 'K', in: ['k', '1'], then: 'both' }], ctx)).toBe('both');
    expect(clean('v', [{ op: 'when', field: 'grade', equals: 'K', in: ['1'], then: 'both' }], ctx)).toBe('v');
    expect(clean('v', [{ op: 'when', field: 'grade', then: 'has grade', else: 'none' }], ctx)).toBe('has grade');
    expect(clean('v', [{ op: 'when', field: 'language', then: 'has language', else: 'none' }], ctx)).toBe('none');
  });
});

describe('realistic chains', () => {
  it('leading-zero student IDs survive trim and prefix', () => {
    expect(clean(' 000123 ', [{ op: 'trim' }, { op: 'prefix', value: 'S' }])).toBe('S000123');
  });

  it('names with commas, quotes and accents are untouched by trim', () => {
    expect(clean(' "Bubba" O\'Neil, Jr. ', [{ op: 'trim' }])).toBe('"Bubba" O\'Neil, Jr.');
    expect(clean('  Zoë Ørsted-Núñez ', [{ op: 'trim' }])).toBe('Zoë Ørsted-Núñez');
  });

  it('email: trim and lower', () => {
    expect(clean(' J.Doe@District.ORG ', [{ op: 'trim' }, { op: 'lower' }])).toBe('j.doe@district.org');
  });

  it('password from a birthday', () => {
    expect(clean('2012-03-07 00:00:00', [{ op: 'date', format: 'm/d/yyyy' }])).toBe('3/7/2012');
  });

  it('demographic flags with a default and Y/N', () => {
    const steps: TransformStep[] = [{ op: 'default', value: 'N' }, { op: 'bool', style: 'yn' }];
    expect(['yes', '', 'x', '0', 'TRUE'].map((v) => clean(v, steps))).toEqual(['Y', 'N', 'Y', 'N', 'Y']);
  });

  it('SSID padded to 10 digits, or left alone for the validator to flag', () => {
    expect(clean('123456789', [{ op: 'digits', pad: 10 }])).toBe('0123456789');
    expect(clean('123456789', [{ op: 'digits' }])).toBe('123456789');
  });

  it('orgSourcedIds from several school codes through the site map', () => {
    expect(clean('0042;007', [{ op: 'multi', split: ';', join: ',', each: [{ op: 'trim' }, { op: 'siteId' }] }])).toBe('42,S-007');
  });
});
