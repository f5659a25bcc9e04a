/**
 * C. The student demographics file (seed 002): SSID (10-digit state ID) and/or email to match the
 * student, then gender M/F, ethnicity and race as text, and seven programme flags as Y/N.
 *
 * At least one of SSID and email must be present on each row (row rule anyOf). Every demographic
 * column is `sensitive`: the district decides per destination which ones leave the building by
 * listing them in the destination's disabledColumns, e.g.
 *   disabledColumns: [{ file: demographics.csv, column: homeless }, { file: demographics.csv, column: foster }]
 * A switched-off column is left out of the file. Gender values other than M/F (e.g. X) are sent blank,
 * because the vendor accepts only M or F. Race and ethnicity are "any string": one-letter race codes
 * are written out, other values are sent as they are.
 *
 * Inactive records: the file has no status column, so inactive students are not sent.
 */
import type { ColumnDef, FormatDef } from '../shared/format.js';
import { dropInactive, email, from, trim } from './common.js';

const FILE = 'demographics.csv';

const yn = (name: string, field: string, description: string): ColumnDef => ({
  name,
  required: false,
  personal: true,
  sensitive: true,
  description,
  rule: { allowed: ['Y', 'N'] },
  defaults: { students: from(field, [{ op: 'bool', style: 'yn' }]) },
});

export const RACE_WORDS: Readonly<Record<string, string>> = {
  W: 'White',
  B: 'Black or African American',
  A: 'Asian',
  I: 'American Indian or Alaska Native',
  P: 'Native Hawaiian or Other Pacific Islander',
  M: 'Two or More Races',
};

export const demographicsYn: FormatDef = {
  id: 'demographics-yn',
  version: '1',
  displayName: 'Student demographics (SSID, M/F, Y/N flags)',
  description:
    'demographics.csv: SSID (10-digit state ID) and/or email to match each student, gender M/F, ethnicity, race, and english_learner, migrant, gifted_learner, special_ed, sed, homeless, foster as Y/N. Each demographic column can be switched off per destination (disabledColumns).',
  dialect: { delimiter: ',', quoting: 'auto', lineEnding: '\r\n', bom: false, header: true },
  supportsDelta: true,
  inactive: dropInactive('no status column: inactive students are not sent'),
  files: [
    {
      name: FILE,
      order: 10,
      entities: ['students'],
      key: ['SSID', 'email'],
      alwaysPresent: true,
      rowRules: [{ kind: 'anyOf', columns: ['SSID', 'email'], message: 'the vendor matches students by SSID or email' }],
      columns: [
        {
          name: 'SSID',
          required: false,
          personal: true,
          description: 'The 10-digit state student ID.',
          rule: { pattern: '\\d{10}', patternLabel: 'a 10-digit state student ID' },
          defaults: { students: from('state_id', trim) },
        },
        { name: 'email', required: false, personal: true, rule: { kind: 'email' }, defaults: { students: from('email', email) } },
        {
          name: 'gender',
          required: false,
          personal: true,
          sensitive: true,
          rule: { allowed: ['M', 'F'] },
          // The vendor takes M or F only: another gender is sent blank, with a warning per row.
          defaults: { students: from('gender', [{ op: 'gender', style: 'letter', binary: true }]) },
        },
        { name: 'ethnicity', required: false, personal: true, sensitive: true, defaults: { students: from('ethnicity', trim) } },
        {
          name: 'race',
          required: false,
          personal: true,
          sensitive: true,
          description: 'One-letter SIS race codes are written out.',
          defaults: { students: from('race', [{ op: 'trim' }, { op: 'map', table: RACE_WORDS, caseInsensitive: true, unknown: 'keep' }]) },
        },
        yn('english_learner', 'english_learner', 'English learner.'),
        yn('migrant', 'migrant', 'Migrant.'),
        yn('gifted_learner', 'gifted', 'Gifted learner.'),
        yn('special_ed', 'special_ed', 'Special education (IEP).'),
        yn('sed', 'economically_disadvantaged', 'Socio-economically disadvantaged.'),
        yn('homeless', 'homeless', 'Homeless.'),
        yn('foster', 'foster', 'In foster care.'),
      ],
    },
  ],
};
