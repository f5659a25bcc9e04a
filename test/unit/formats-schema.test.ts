/**
 * The format-definition schema (src/shared/format.schema.ts): every built-in format passes it
 * unchanged, and each kind of mistake an admin makes in a custom format is refused with a message
 * that names the path and says what was expected.
 */
import { describe, expect, it } from 'vitest';
import { BUILT_IN_FORMATS } from '../../src/formats/registry.js';
import { loadCustomFormats, parseCustomFormat, resolveFormat } from '../../src/formats/custom-formats.js';
import { FormatDefinitionError, parseFormatDef } from '../../src/shared/format.schema.js';
import type { FormatDef } from '../../src/shared/format.js';

type Mutable = Record<string, unknown> & {
  id: string;
  files: (Record<string, unknown> & { columns: (Record<string, unknown> & { rule?: Record<string, unknown>; defaults?: Record<string, unknown> })[]; key: string[] })[];
  options?: Record<string, unknown>[];
  optionEffects?: Record<string, unknown>[];
};

const base = (id = 'students-upper-snake'): Mutable => ({ ...(structuredClone(BUILT_IN_FORMATS.find((f) => f.id === id)!) as unknown as Mutable), id: 'custom-x' });

function problems(raw: unknown): string {
  try {
    parseFormatDef(raw, 'my.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(FormatDefinitionError);
    return (err as Error).message;
  }
  throw new Error('expected the definition to be refused');
}

describe('built-in formats', () => {
  it.each(BUILT_IN_FORMATS.map((f) => [f.id, f] as const))('%s passes the schema unchanged', (_id, format) => {
    expect(parseFormatDef(format, format.id)).toEqual(format);
  });

  it('have unique ids', () => {
    const ids = BUILT_IN_FORMATS.map((f) => f.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(
      expect.arrayContaining(['students-upper-snake', 'five-file-provisioning', 'demographics-yn', 'oneroster-users-classes-enrollments', 'flat-roster', 'oneroster-1.1', 'clever', 'microsoft-sds-2.1']),
    );
  });
});

describe('custom format mistakes', () => {
  it('an invalid regular expression in a column rule', () => {
    const f = base();
    f.files[0]!.columns[3]!.rule = { pattern: '(-?\\d+' };
    expect(problems(f)).toMatch(/^my\.yaml: files\[0\]\.columns\[3\]\.rule\.pattern: not a valid regular expression \(.+\)$/);
  });

  it('an invalid regular expression in a replace transform, also inside multi.each', () => {
    const f = base();
    f.files[0]!.columns[1]!.defaults = { students: { from: 'first_name', transforms: [{ op: 'replace', pattern: '[a-', with: '' }] } };
    f.files[0]!.columns[2]!.defaults = { students: { from: 'last_name', transforms: [{ op: 'multi', split: ';', join: ',', each: [{ op: 'replace', pattern: '*', with: '' }] }] } };
    const message = problems(f);
    expect(message).toContain('files[0].columns[1].defaults.students.transforms[0].pattern: not a valid regular expression');
    expect(message).toContain('files[0].columns[2].defaults.students.transforms[0].each[0].pattern: not a valid regular expression');
  });

  it('an unknown transform step and an unknown field', () => {
    const f = base();
    f.files[0]!.columns[1]!.defaults = { students: { from: 'first_name', transforms: [{ op: 'shout' }] } };
    f.files[0]!.columns[2]!.colour = 'red';
    const message = problems(f);
    expect(message).toMatch(/files\[0\]\.columns\[1\]\.defaults\.students\.transforms\[0\]\.op: /);
    expect(message).toMatch(/files\[0\]\.columns\[2\]\.colour: unknown key/);
  });

  it('a key, reference or row rule naming a column that does not exist', () => {
    const f = base('demographics-yn');
    f.files[0]!.key = ['SSID', 'StateId'];
    f.files[0]!.rowRules = [{ kind: 'anyOf', columns: ['SSID', 'mail'] }];
    f.files[0]!.references = [{ column: 'email', file: 'users.csv', targetColumn: 'email' }];
    const message = problems(f);
    expect(message).toContain('files[0].key[1]: StateId is not a column of demographics.csv');
    expect(message).toContain('files[0].rowRules[0].columns: mail is not a column of demographics.csv');
    expect(message).toContain('files[0].references[0].file: users.csv is not a file of this format (files: demographics.csv)');
  });

  it('repeated-row columns that do not exist or are key columns, and a file of repeated rows referring to itself', () => {
    const f = base('five-file-provisioning');
    const teachers = f.files[1] as { repeats?: string[]; references?: unknown[] };
    teachers.repeats = ['school_id', 'room', 'teacher_id'];
    teachers.references = [{ column: 'teacher_id', file: 'teachers.csv', targetColumn: 'teacher_id' }];
    const message = problems(f);
    expect(message).toContain('files[1].repeats[1]: room is not a column of teachers.csv');
    expect(message).toContain('files[1].repeats[2]: teacher_id is already part of the key');
    expect(message).toContain('files[1].references[0].file: teachers.csv repeats rows per record (repeats), so it cannot refer to itself');
  });

  it('a reference to a column the target file lacks', () => {
    const f = base('clever');
    (f.files[4]!.references as { targetColumn: string }[])[2]!.targetColumn = 'student_id';
    expect(problems(f)).toContain('files[4].references[2].targetColumn: student_id is not a column of students.csv');
  });

  it('duplicate file and column names', () => {
    const f = base('clever');
    f.files[2]!.name = 'students.csv';
    f.files[0]!.columns[1]!.name = 'School_id';
    const message = problems(f);
    expect(message).toContain('files[2].name: students.csv appears twice; file names must be unique');
    expect(message).toContain('files[0].columns[1].name: School_id appears twice in schools.csv; column names must be unique');
  });

  it('a default mapping for an entity the file does not read, and a mapping with two sources', () => {
    const f = base();
    f.files[0]!.columns[0]!.defaults = { teachers: { from: 'teacher_id' }, students: { from: 'student_id', const: 'x' } };
    const message = problems(f);
    expect(message).toContain('files[0].columns[0].defaults.teachers: students.csv does not read teachers rows (entities: students)');
    expect(message).toContain('files[0].columns[0].defaults.students: give one of from, const or template, not several');
  });

  it('option effects naming unknown options, files or columns, or comparing with the wrong type', () => {
    const f = base();
    f.optionEffects = [
      { option: 'googleSSO', equals: true },
      { option: 'googleSso', equals: 'yes' },
      { option: 'overwriteEmails', equals: false, omitColumns: [{ file: 'students.csv', column: 'E_MAIL' }], omitFiles: ['guardians.csv'] },
      { option: 'syncMode', equals: 'sometimes' },
    ];
    const message = problems(f);
    expect(message).toContain("optionEffects[0].option: googleSSO is not one of the format's options");
    expect(message).toContain('optionEffects[1].equals: googleSso is a boolean option; compare it with true or false');
    expect(message).toContain('optionEffects[2].omitFiles[0]: guardians.csv is not a file of this format');
    expect(message).toContain('optionEffects[2].omitColumns[0].column: E_MAIL is not a column of students.csv');
    expect(message).toContain('optionEffects[3].equals: syncMode is "full" or "delta"');
  });

  it('options with a wrong default, a select without its default among the choices', () => {
    const f = base();
    f.options = [
      { id: 'googleSso', label: 'x', type: 'boolean', default: 'yes' },
      { id: 'region', label: 'Region', type: 'select', default: 'EU', choices: ['US', 'CA'] },
    ];
    f.optionEffects = [];
    const message = problems(f);
    expect(message).toContain('options[0].default: a boolean option defaults to true or false');
    expect(message).toContain('options[1].default: the default must be one of US, CA');
  });

  it('dialect, names and required fields', () => {
    const f = base();
    f.dialect = { delimiter: ';;', lineEnding: '\r' };
    f.files[0]!.name = 'sub/students.csv';
    f.id = 'My Vendor';
    delete (f.files[0]!.columns[0] as { required?: boolean }).required;
    const message = problems(f);
    expect(message).toContain('id: lower-case letters, digits, dot, dash or underscore');
    expect(message).toContain('dialect.delimiter: the delimiter is one character');
    expect(message).toContain('dialect.lineEnding: ');
    expect(message).toContain('files[0].name: a file name such as students.csv');
    expect(message).toContain('files[0].columns[0].required: required must be true or false');
  });

  it('a custom format cannot take a built-in id', () => {
    expect(() => parseCustomFormat(BUILT_IN_FORMATS[1], 'upload.yaml')).toThrow(/upload\.yaml: id: "students-upper-snake" is a built-in format/);
  });
});

describe('loading custom formats for a run', () => {
  const good = { ...structuredClone(BUILT_IN_FORMATS.find((f) => f.id === 'flat-roster')!), id: 'roster-district' } as FormatDef;
  const bad = { ...structuredClone(good), id: 'roster-broken', files: [] };

  it('keeps the valid ones and reports the others', () => {
    const { formats, invalid } = loadCustomFormats([good, bad, { nothing: true }]);
    expect(formats.map((f) => f.id)).toEqual(['roster-district']);
    expect(invalid.map((i) => i.id)).toEqual(['roster-broken', '?']);
    expect(invalid[0]!.message).toContain('custom format "roster-broken": files: a format needs at least one file');
  });

  it('resolves built-in, custom and invalid ids with clear errors', () => {
    expect(resolveFormat('clever', [bad]).id).toBe('clever');
    expect(resolveFormat('roster-district', [good, bad])).toEqual(good);
    expect(() => resolveFormat('roster-broken', [good, bad])).toThrow(/custom format "roster-broken": files: a format needs at least one file.*rostersync format import/);
    expect(() => resolveFormat('nope', [good])).toThrow(/Unknown format "nope". Known formats: .*roster-district/);
  });
});
