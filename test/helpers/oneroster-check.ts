/**
 * An independent OneRoster 1.1 CSV checker for tests, written from the public IMS OneRoster v1.1
 * CSV binding (Final Release, 2017) — NOT from RosterSync's format definitions, which it must never
 * import: a mistake copied into both would otherwise pass unnoticed.
 *
 * What it checks, per the spec:
 * - manifest.csv: header `propertyName,value`; manifest.version 1.0, oneroster.version 1.1,
 *   source.systemName and source.systemCode present; one `file.<name>` line per data file, each
 *   `bulk`, `delta` or `absent`; every file the manifest lists present, every file present listed.
 * - each rostering file: header exactly the spec's columns in the spec's order (case-sensitive);
 *   required fields filled; enumerations (status, org type, session type, role, enrollment role, sex,
 *   classType), booleans, dates (YYYY-MM-DD), dateTimes (ISO 8601), schoolYear (YYYY),
 *   CEDS grade codes; sourcedId unique per file.
 * - bulk files: status and dateLastModified blank; delta files: status active|tobedeleted and
 *   dateLastModified filled; a tobedeleted row needs only sourcedId, status and dateLastModified.
 * - references (users.orgSourcedIds → orgs, users.agentSourcedIds → users, courses → orgs and
 *   academicSessions, classes → courses/orgs/academicSessions, enrollments → classes/orgs/users,
 *   demographics.sourcedId → users, parents → their own file) resolve in the receiver's data after
 *   the set is applied: a bulk file replaces the receiver's records of that file, a delta file
 *   upserts active rows and removes tobedeleted ones. `applyOneRoster` keeps that receiver state, so
 *   a test can feed it a bulk set, then a delta set, and compare with a fresh bulk.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';

type Kind = 'id' | 'ids' | 'text' | 'date' | 'datetime' | 'boolean' | 'year' | 'grades' | { readonly oneOf: readonly string[] };
interface Field {
  readonly name: string;
  readonly required: boolean;
  readonly kind: Kind;
  /** The data file this field's IDs point at. */
  readonly refers?: string;
}

const STATUS = ['active', 'tobedeleted'];
/** CEDS grade levels, as OneRoster 1.1 lists them. */
const GRADES = ['IT', 'PR', 'PK', 'TK', 'KG', '01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12', '13', 'PS', 'UG', 'Other'];
const f = (name: string, required: boolean, kind: Kind = 'text', refers?: string): Field => ({ name, required, kind, refers });
const head = [f('sourcedId', true, 'id'), f('status', false, { oneOf: STATUS }), f('dateLastModified', false, 'datetime')];

/** The rostering files of OneRoster 1.1 CSV, columns in spec order. */
export const ONEROSTER_11_FILES: Readonly<Record<string, readonly Field[]>> = {
  orgs: [...head, f('name', true), f('type', true, { oneOf: ['department', 'school', 'district', 'local', 'state', 'national'] }), f('identifier', false), f('parentSourcedId', false, 'id', 'orgs')],
  academicSessions: [
    ...head, f('title', true), f('type', true, { oneOf: ['gradingPeriod', 'semester', 'schoolYear', 'term'] }), f('startDate', true, 'date'), f('endDate', true, 'date'),
    f('parentSourcedId', false, 'id', 'academicSessions'), f('schoolYear', true, 'year'),
  ],
  courses: [
    ...head, f('schoolYearSourcedId', false, 'id', 'academicSessions'), f('title', true), f('courseCode', false), f('grades', false, 'grades'), f('orgSourcedId', true, 'id', 'orgs'),
    f('subjects', false), f('subjectCodes', false),
  ],
  classes: [
    ...head, f('title', true), f('grades', false, 'grades'), f('courseSourcedId', true, 'id', 'courses'), f('classCode', false), f('classType', true, { oneOf: ['homeroom', 'scheduled'] }),
    f('location', false), f('schoolSourcedId', true, 'id', 'orgs'), f('termSourcedIds', true, 'ids', 'academicSessions'), f('subjects', false), f('subjectCodes', false), f('periods', false),
  ],
  users: [
    ...head, f('enabledUser', true, 'boolean'), f('orgSourcedIds', true, 'ids', 'orgs'),
    f('role', true, { oneOf: ['administrator', 'aide', 'guardian', 'parent', 'proctor', 'relative', 'student', 'teacher'] }), f('username', true), f('userIds', false), f('givenName', true),
    f('familyName', true), f('middleName', false), f('identifier', false), f('email', false), f('sms', false), f('phone', false), f('agentSourcedIds', false, 'ids', 'users'),
    f('grades', false, 'grades'), f('password', false),
  ],
  enrollments: [
    ...head, f('classSourcedId', true, 'id', 'classes'), f('schoolSourcedId', true, 'id', 'orgs'), f('userSourcedId', true, 'id', 'users'),
    f('role', true, { oneOf: ['administrator', 'proctor', 'student', 'teacher'] }), f('primary', false, 'boolean'), f('beginDate', false, 'date'), f('endDate', false, 'date'),
  ],
  demographics: [
    ...head, f('birthDate', false, 'date'), f('sex', false, { oneOf: ['male', 'female'] }),
    ...['americanIndianOrAlaskaNative', 'asian', 'blackOrAfricanAmerican', 'nativeHawaiianOrOtherPacificIslander', 'white', 'demographicRaceTwoOrMoreRaces', 'hispanicOrLatinoEthnicity'].map((n) => f(n, false, 'boolean')),
    f('countryOfBirthCode', false), f('stateOfBirthAbbreviation', false), f('cityOfBirth', false), f('publicSchoolResidenceStatus', false),
  ],
};

/**
 * Every data file of OneRoster 1.1 CSV (the manifest lists each). The gradebook and resource files
 * (categories, classResources, courseResources, lineItems, resources, results) are checked only
 * against the manifest: a rostering feed does not send them.
 */
export const ONEROSTER_11_DATA_FILES = [
  'academicSessions', 'categories', 'classes', 'classResources', 'courses', 'courseResources', 'demographics', 'enrollments', 'lineItems', 'orgs', 'resources', 'results', 'users',
];

/** What a receiver holds after applying sets: per file, sourcedId → row (status and dateLastModified dropped). */
export type OneRosterState = Map<string, Map<string, Record<string, string>>>;

export function emptyOneRosterState(): OneRosterState {
  return new Map(Object.keys(ONEROSTER_11_FILES).map((file) => [file, new Map()]));
}

export interface OneRosterCheck {
  readonly problems: string[];
  /** The manifest's mode per data file. */
  readonly modes: Record<string, string>;
  /** Rows per file present, and tobedeleted rows among them. */
  readonly rows: Record<string, number>;
  readonly deleted: Record<string, number>;
}

const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

function checkValue(kind: Kind, value: string): string | undefined {
  if (typeof kind === 'object') return kind.oneOf.includes(value) ? undefined : `is not one of ${kind.oneOf.join('|')}`;
  switch (kind) {
    case 'date':
      return DATE.test(value) ? undefined : 'is not a date YYYY-MM-DD';
    case 'datetime':
      return DATETIME.test(value) && !Number.isNaN(Date.parse(value)) ? undefined : 'is not an ISO 8601 dateTime';
    case 'boolean':
      return value === 'true' || value === 'false' ? undefined : 'is not true|false';
    case 'year':
      return /^\d{4}$/.test(value) ? undefined : 'is not a year YYYY';
    case 'grades':
      return value.split(',').every((g) => GRADES.includes(g.trim())) ? undefined : `holds a grade that is not a CEDS code (${GRADES.join(' ')})`;
    case 'id':
    case 'ids':
    case 'text':
      return undefined;
  }
}

/**
 * Checks one delivered set (a folder holding manifest.csv and the CSV files) and applies it to
 * `state` (the receiver's records before it; updated in place). References are resolved against
 * the state after the whole set is applied, as a receiver processing the set would.
 */
export function checkOneRosterSet(dir: string, state: OneRosterState = emptyOneRosterState()): OneRosterCheck {
  const problems: string[] = [];
  const modes: Record<string, string> = {};
  const rows: Record<string, number> = {};
  const deleted: Record<string, number> = {};
  const present = new Set(readdirSync(dir).filter((n) => n.endsWith('.csv')).map((n) => n.slice(0, -4)));
  const read = (name: string): string[][] => {
    const bytes = readFileSync(join(dir, `${name}.csv`));
    if (bytes.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]))) problems.push(`${name}.csv starts with a byte-order mark`);
    const text = bytes.toString('utf8');
    if (Buffer.from(text, 'utf8').compare(bytes) !== 0) problems.push(`${name}.csv is not valid UTF-8`);
    return parse(text, { relax_column_count: true }) as string[][];
  };

  // ---- manifest
  if (!existsSync(join(dir, 'manifest.csv'))) return { problems: ['manifest.csv is missing'], modes, rows, deleted };
  const manifest = read('manifest');
  if (manifest[0]?.join(',') !== 'propertyName,value') problems.push(`manifest.csv header is "${manifest[0]?.join(',')}", expected "propertyName,value"`);
  const props = new Map<string, string>();
  for (const [name, value] of manifest.slice(1)) {
    if (name === undefined) continue;
    if (props.has(name)) problems.push(`manifest.csv lists ${name} twice`);
    props.set(name, value ?? '');
  }
  if (props.get('manifest.version') !== '1.0') problems.push(`manifest.version is "${props.get('manifest.version')}", expected 1.0`);
  if (props.get('oneroster.version') !== '1.1') problems.push(`oneroster.version is "${props.get('oneroster.version')}", expected 1.1`);
  for (const p of ['source.systemName', 'source.systemCode']) if (!props.get(p)) problems.push(`manifest.csv has no ${p}`);
  for (const file of ONEROSTER_11_DATA_FILES) {
    const mode = props.get(`file.${file}`);
    if (mode === undefined) {
      problems.push(`manifest.csv has no file.${file} line`);
      continue;
    }
    modes[file] = mode;
    if (!['bulk', 'delta', 'absent'].includes(mode)) problems.push(`file.${file} is "${mode}", expected bulk, delta or absent`);
    if (mode === 'absent' && present.has(file)) problems.push(`${file}.csv is in the set but the manifest says absent`);
    if (mode !== 'absent' && !present.has(file)) problems.push(`the manifest says ${mode} for ${file}.csv, which is not in the set`);
  }
  for (const name of present) {
    if (name !== 'manifest' && !ONEROSTER_11_DATA_FILES.includes(name)) problems.push(`${name}.csv is not a OneRoster 1.1 file`);
  }

  // ---- files, applied to the receiver's state
  const references: { file: string; row: number; field: string; id: string; target: string }[] = [];
  for (const [file, fields] of Object.entries(ONEROSTER_11_FILES)) {
    const mode = modes[file];
    if (!present.has(file) || (mode !== 'bulk' && mode !== 'delta')) continue;
    const table = read(file);
    const header = table[0] ?? [];
    const expected = fields.map((x) => x.name);
    if (header.join(',') !== expected.join(',')) {
      problems.push(`${file}.csv header is "${header.join(',')}", expected "${expected.join(',')}"`);
      continue;
    }
    const records = state.get(file)!;
    if (mode === 'bulk') records.clear();
    const seen = new Set<string>();
    rows[file] = table.length - 1;
    deleted[file] = 0;
    table.slice(1).forEach((cells, index) => {
      const row = index + 1;
      const at = `${file}.csv row ${row}`;
      if (cells.length !== fields.length) {
        problems.push(`${at} has ${cells.length} fields, expected ${fields.length}`);
        return;
      }
      const values = Object.fromEntries(fields.map((x, i) => [x.name, cells[i]!]));
      const id = values.sourcedId!;
      if (seen.has(id)) problems.push(`${at}: sourcedId ${id} appears twice`);
      seen.add(id);
      if (mode === 'bulk') {
        if (values.status !== '' || values.dateLastModified !== '') problems.push(`${at}: a bulk file leaves status and dateLastModified blank`);
      } else if (!values.status || !values.dateLastModified) {
        problems.push(`${at}: a delta file fills status and dateLastModified`);
      }
      const toBeDeleted = values.status === 'tobedeleted';
      if (toBeDeleted) deleted[file]!++;
      for (const field of fields) {
        const value = values[field.name]!;
        // A record to be deleted is named by its sourcedId; nothing else about it is needed.
        if (value === '') {
          if (field.required && !(toBeDeleted && field.name !== 'sourcedId')) problems.push(`${at}: ${field.name} is required`);
          continue;
        }
        const wrong = checkValue(field.kind, value);
        if (wrong) problems.push(`${at}: ${field.name} "${value}" ${wrong}`);
        if (field.refers && !toBeDeleted) {
          for (const target of field.kind === 'ids' ? value.split(',') : [value]) references.push({ file, row, field: field.name, id: target.trim(), target: field.refers });
        }
      }
      if (file === 'demographics' && !toBeDeleted) references.push({ file, row, field: 'sourcedId', id, target: 'users' });
      if (toBeDeleted) {
        if (mode === 'delta' && !records.has(id)) problems.push(`${at}: tobedeleted ${id}, which the receiver does not hold`);
        records.delete(id);
      } else {
        const { status: _status, dateLastModified: _modified, ...data } = values;
        records.set(id, data);
      }
    });
  }
  for (const r of references) {
    if (!state.get(r.target)!.has(r.id)) problems.push(`${r.file}.csv row ${r.row}: ${r.field} ${r.id} is not a ${r.target} record`);
  }
  return { problems, modes, rows, deleted };
}
