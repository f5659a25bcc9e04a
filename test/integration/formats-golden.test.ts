/**
 * Golden tests: every built-in format on the embedded demo district (SQLite SIS → folder), one full
 * sync per format in a shared beforeAll. Checked per format: the exact header line and column
 * order, the dialect bytes (delimiter, CRLF/LF, no BOM, quoting), and hand-checked values for the
 * tricky rows the demo plants: leading-zero IDs, names with commas and quotes, accented names,
 * phones in mixed shapes, grades written K/KG/0/-1/PK, and the student with 7 guardians.
 *
 * The demo district is deterministic (fixed seed), so the literal lines below are stable; each was
 * checked by hand against the SIS row it comes from (quoted in the comments).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { openAgent, type AgentContext } from '../../src/home/context.js';
import { setupDemo, DEMO_DESTINATION, DEMO_SOURCE } from '../../src/agent/demo.js';
import { runDestination, type RunResult } from '../../src/agent/runner.js';
import { destinationConfigSchema } from '../../src/shared/config.schema.js';
import { getFormat } from '../../src/formats/registry.js';
import { resolveDialect } from '../../src/shared/format.js';
import { buildPlan } from '../../src/pipeline/plan.js';
import { checkOneRosterSet } from '../helpers/oneroster-check.js';

/** Per format: the destination settings of its golden run. */
const DESTINATIONS: Record<string, Record<string, unknown>> = {
  'students-upper-snake': { formatOptions: { googleSso: false, overwritePasswords: true, passwordsAreDates: true, includeParents: true } },
  'five-file-provisioning': {},
  'demographics-yn': { disabledColumns: [{ file: 'demographics.csv', column: 'homeless' }, { file: 'demographics.csv', column: 'foster' }] },
  'oneroster-users-classes-enrollments': {},
  // 4 % of the demo high school's roster rows have a student without an email: above the default 2 % error budget.
  'flat-roster': { rowFilters: [{ field: 'school_code', values: ['007'] }], onValidationError: 'skip-rows', maxBadRowShare: 0.05 },
  'oneroster-1.1': {},
  clever: {},
  // 104 demo students have no email: their SIS usernames get the district's sign-in domain (SDS rejects names without one).
  'microsoft-sds-2.1': { formatOptions: { usernameDomain: 'students.lakeviewsd.example.org' } },
};

let ctx: AgentContext;
let sis: Database.Database;
const results = new Map<string, RunResult>();
const outDir = (format: string): string => join(ctx.layout.home, `out-${format}`);
const text = (format: string, file: string): string => readFileSync(join(outDir(format), file), 'utf8');
const lines = (format: string, file: string): string[] => {
  const t = text(format, file);
  return t.slice(0, t.length - (t.endsWith('\r\n') ? 2 : 1)).split(/\r\n|\n/);
};
const header = (format: string, file: string): string => lines(format, file)[0]!;
/** The data lines whose first field(s) start with `prefix`. */
const linesStarting = (format: string, file: string, prefix: string): string[] => lines(format, file).slice(1).filter((l) => l.startsWith(prefix));
const line = (format: string, file: string, prefix: string): string => {
  const found = linesStarting(format, file, prefix);
  expect(found, `${format} ${file}: one line starting ${prefix}`).toHaveLength(1);
  return found[0]!;
};
const records = (format: string, file: string): Record<string, string>[] => {
  const f = getFormat(format);
  const def = f.files.find((x) => x.name === file)!;
  return parse(text(format, file), { columns: true, delimiter: resolveDialect(f, def).delimiter }) as Record<string, string>[];
};
const count = (sql: string): number => sis.prepare(sql).pluck().get() as number;

beforeAll(async () => {
  ctx = openAgent(mkdtempSync(join(tmpdir(), 'rs-golden-')));
  const demo = await setupDemo(ctx);
  sis = new Database(demo.sisPath, { readonly: true });
  const siteMap = ctx.store.getSiteMap(DEMO_DESTINATION);
  for (const [format, extra] of Object.entries(DESTINATIONS)) {
    ctx.store.saveDestination(destinationConfigSchema.parse({ name: format, source: DEMO_SOURCE, format, type: 'folder', settings: { path: outDir(format) }, ...extra }));
    ctx.store.replaceSiteMap(format, siteMap);
    results.set(format, await runDestination(ctx, format, { trigger: 'manual' }));
  }
});

describe('every built-in format on the demo district', () => {
  it.each(Object.keys(DESTINATIONS))('%s: every SIS value is recognised (no value-map, race, grade, yes/no or language findings on the demo)', (id) => {
    expect(results.get(id)!.findings.filter((f) => ['map', 'race', 'grade', 'bool', 'missing-source-field'].includes(f.rule))).toEqual([]);
  });

  it.each(Object.keys(DESTINATIONS))('%s: delivers its files with the format’s headers, dialect bytes and minimal quoting', (id) => {
    const result = results.get(id)!;
    expect(result.status, result.message).toBe(id === 'flat-roster' ? 'partial' : 'success');
    const format = getFormat(id);
    // The files and columns this destination's options leave in (the per-format tests below spell them out).
    const plan = buildPlan({ format, destination: ctx.store.getDestination(id)!, source: ctx.store.getSource(DEMO_SOURCE)!, siteMap: [] });
    const delivered = readdirSync(outDir(id)).filter((n) => n !== 'manifest.csv');
    expect(delivered.sort()).toEqual(plan.files.map((f) => f.def.name).sort());
    for (const file of plan.files) {
      const name = file.def.name;
      const dialect = resolveDialect(format, file.def);
      const bytes = readFileSync(join(outDir(id), name));
      expect(bytes.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])), `${name}: no byte-order mark`).toBe(false);
      const body = bytes.toString('utf8');
      // Line endings: the dialect's everywhere (no value in the demo holds a line break).
      if (dialect.lineEnding === '\r\n') expect(body.replaceAll('\r\n', '')).not.toMatch(/[\r\n]/);
      else expect(body).not.toContain('\r');
      expect(body.endsWith(dialect.lineEnding)).toBe(true);
      const columns = file.columns.map((c) => c.header);
      expect(header(id, name)).toBe(columns.join(dialect.delimiter));
      // Quoting: the file is exactly the minimal-quoting serialisation of its own values.
      const rows = parse(body, { delimiter: dialect.delimiter, relax_column_count: false }) as string[][];
      expect(rows.every((r) => r.length === columns.length)).toBe(true);
      expect(stringify(rows, { delimiter: dialect.delimiter, record_delimiter: dialect.lineEnding === '\r\n' ? 'windows' : 'unix' })).toBe(body);
      if (dialect.quoting === 'never') expect(body).not.toContain('"');
    }
  });
});

describe('A: students-upper-snake (Google sign-in off, passwords overwritten and written as dates, parents on)', () => {
  const id = 'students-upper-snake';
  it('writes the UPPER_SNAKE header with PASSWORD and a parents.csv', () => {
    expect(header(id, 'students.csv')).toBe('STUDENT_ID,FIRST_NAME,LAST_NAME,GRADE,SITE_ID,SCHOOL_NAME,EMAIL,PASSWORD');
    expect(header(id, 'parents.csv')).toBe('PARENT_ID,STUDENT_ID,FIRST_NAME,LAST_NAME,EMAIL,PHONE,RELATIONSHIP');
    expect(text(id, 'students.csv')).toMatch(/^STUDENT_ID,[^\r\n]*\r\n000101,/);
  });

  it('keeps leading zeros, writes grades PK/-1 → -1 and K/KG/0 → 0, passwords m/d/yyyy, site IDs and labels from the map', () => {
    // SIS: 000101 Xin Thomas, grade "PK", birthdate "2022-08-08"
    expect(line(id, 'students.csv', '000101,')).toBe('000101,Xin,Thomas,-1,SITE-003,Lincoln Elementary School,xthomas000101@students.lakeviewsd.example.org,8/8/2022');
    // SIS: 000108 Søren Roberts, grade "-1"
    expect(line(id, 'students.csv', '000108,')).toMatch(/^000108,Søren,Roberts,-1,SITE-003,/);
    // SIS: grade "K", "0" and "KG"
    expect(line(id, 'students.csv', '000194,')).toBe('000194,José,Nguyễn,0,SITE-003,Lincoln Elementary School,jnguyen000194@students.lakeviewsd.example.org,8/29/2021');
    expect(line(id, 'students.csv', '000174,')).toBe('000174,Isaiah,Singh,0,SITE-003,Lincoln Elementary School,isingh000174@students.lakeviewsd.example.org,9/11/2020');
    expect(line(id, 'students.csv', '000179,')).toBe('000179,Leila,Hill,0,SITE-003,Lincoln Elementary School,,11/8/2020');
    // SIS birthdate "2009-08-26 00:00:00" (SQL datetime) → 8/26/2009
    expect(line(id, 'students.csv', '001507,')).toBe('001507,Renée,"O\'Connor, III",12,SITE-007,O\'Keeffe High School,roconnor001507@students.lakeviewsd.example.org,8/26/2009');
  });

  it('quotes names with commas and quotes', () => {
    expect(line(id, 'students.csv', '000569,')).toBe('000569,"Robert ""Bobby""",Smith,5,SITE-003,Lincoln Elementary School,rsmith000569@students.lakeviewsd.example.org,11/24/2015');
    expect(line(id, 'students.csv', '000757,')).toBe('000757,María José,"García, Jr.",6,SITE-005,Cedar Ridge Middle School,mgarcia000757@students.lakeviewsd.example.org,10/1/2014');
  });

  it('lists a parent once per student: all 7 guardians of 000601', () => {
    const rows = records(id, 'parents.csv').filter((r) => r.STUDENT_ID === '000601');
    expect(rows.map((r) => r.PARENT_ID)).toEqual(['C0004001', 'C0004002', 'C0004003', 'C0004004', 'C0004005', 'C0004006', 'C0004007']);
    expect(line(id, 'parents.csv', 'C0004001,')).toBe('C0004001,000601,Carlos,Nelson,carlos.nelson.4001@mail.example.net,9717445526,Father');
    // A guardian of two siblings is listed for each of them.
    const linked = count(`SELECT COUNT(*) FROM student_contacts`);
    expect(records(id, 'parents.csv')).toHaveLength(linked);
  });
});

describe('B: five-file-provisioning (never quoted)', () => {
  const id = 'five-file-provisioning';
  it('writes all five files with the vendor headers', () => {
    expect(header(id, 'schools.csv')).toBe('school_id,school_name');
    expect(header(id, 'teachers.csv')).toBe('school_id,teacher_id,first_name,last_name,email,phone');
    expect(header(id, 'students.csv')).toBe('school_id,student_id,first_name,last_name,email,phone');
    expect(header(id, 'classes.csv')).toBe('school_id,class_id,class_name,teacher_id');
    expect(header(id, 'enrollments.csv')).toBe('school_id,class_id,student_id');
    expect(text(id, 'schools.csv')).toBe('school_id,school_name\r\n003,Lincoln Elementary School\r\n005,Cedar Ridge Middle School\r\n007,O\'Keeffe High School\r\n');
  });

  it('rewrites commas and quotes in names instead of quoting them', () => {
    // SIS: "María José" "García, Jr.", home phone "3604400559"
    expect(line(id, 'students.csv', '005,000757,')).toBe('005,000757,María José,García Jr.,mgarcia000757@students.lakeviewsd.example.org,+13604400559');
    // SIS: 'Robert "Bobby"' Smith, no phone
    expect(line(id, 'students.csv', '003,000569,')).toBe("003,000569,Robert 'Bobby',Smith,rsmith000569@students.lakeviewsd.example.org,");
    // SIS cell phone "541-436-0409" (mobile first)
    expect(line(id, 'students.csv', '007,001132,')).toBe('007,001132,Siobhán,Muñoz,smunoz001132@students.lakeviewsd.example.org,+15414360409');
  });

  it('normalises phones in every shape to E.164, keeps 7-digit local numbers as digits with a warning', () => {
    const phones = [...records(id, 'students.csv'), ...records(id, 'teachers.csv')].map((r) => r.phone!).filter(Boolean);
    for (const p of phones) expect(p).toMatch(/^\+1\d{10}$|^\d{7}$/);
    const local = phones.filter((p) => /^\d{7}$/.test(p));
    const warnings = results.get(id)!.findings.filter((f) => f.rule === 'phone');
    expect(warnings).toHaveLength(local.length);
    expect(warnings[0]).toMatchObject({ severity: 'warning', file: 'students.csv', column: 'phone' });
    // Shapes the SIS holds for these: "(458) 697-5654", "1-360-473-7143", "458.771.7347", "+1 971 818 1433", "5033310630"
    const byId = new Map(records(id, 'students.csv').map((r) => [r.student_id, r.phone]));
    expect([byId.get('000194'), byId.get('000311'), byId.get('000312'), byId.get('001040'), byId.get('000367')]).toEqual(['+14586975654', '+13604737143', '+14587717347', '+19718181433', '+15033310630']);
  });

  it('lists student enrollments only, each referring to delivered classes and students', () => {
    expect(records(id, 'enrollments.csv')).toHaveLength(count('SELECT COUNT(*) FROM section_enrollments'));
    // One row per teacher and school (the vendor asks for a row per school): teachers at two schools are listed twice.
    expect(records(id, 'teachers.csv')).toHaveLength(count(`SELECT COUNT(*) FROM staff_schools x JOIN staff s ON s.staff_id = x.staff_id WHERE s.staff_type = 'Teacher'`));
  });

  it('writes a teacher at two schools once per school, the same teacher otherwise', () => {
    const twoSchools = sis
      .prepare(`SELECT x.staff_id FROM staff_schools x JOIN staff s ON s.staff_id = x.staff_id WHERE s.staff_type = 'Teacher' GROUP BY x.staff_id HAVING COUNT(*) = 2 ORDER BY x.staff_id LIMIT 1`)
      .pluck()
      .get() as string;
    const schools = sis.prepare('SELECT sch_code FROM staff_schools WHERE staff_id = ? ORDER BY sch_code').pluck().all(twoSchools) as string[];
    expect(schools).toHaveLength(2);
    const rows = records(id, 'teachers.csv').filter((r) => r.teacher_id === twoSchools);
    expect(rows.map((r) => r.school_id)).toEqual(schools);
    const { school_id: _first, ...same } = rows[0]!;
    const { school_id: _second, ...again } = rows[1]!;
    expect(again).toEqual(same);
  });
});

describe('C: demographics-yn (homeless and foster switched off)', () => {
  const id = 'demographics-yn';
  it('writes the vendor header without the switched-off columns', () => {
    expect(header(id, 'demographics.csv')).toBe('SSID,email,gender,ethnicity,race,english_learner,migrant,gifted_learner,special_ed,sed');
  });

  it('writes 10-digit SSIDs (leading zeros kept), M/F, race words and Y/N flags', () => {
    // SIS 000101: state_id "0775774036", gender "F", race "W", flags N/0/false/N/0
    expect(line(id, 'demographics.csv', '0775774036,')).toBe('0775774036,xthomas000101@students.lakeviewsd.example.org,F,Not Hispanic or Latino,White,N,N,N,N,N');
    // SIS 000382: gender "female", race "A", gifted "true"
    expect(line(id, 'demographics.csv', '4612967985,')).toBe('4612967985,zobrien000382@students.lakeviewsd.example.org,F,Not Hispanic or Latino,Asian,N,N,Y,N,N');
    // SIS 000569: gender "m", race "I"
    expect(line(id, 'demographics.csv', '2931670008,')).toBe('2931670008,rsmith000569@students.lakeviewsd.example.org,M,Not Hispanic or Latino,American Indian or Alaska Native,N,N,N,N,N');
    // SIS 000757: sped "n", frl "Y"
    expect(line(id, 'demographics.csv', '3968653860,')).toBe('3968653860,mgarcia000757@students.lakeviewsd.example.org,F,Not Hispanic or Latino,White,N,N,N,N,Y');
    const rows = records(id, 'demographics.csv');
    expect(rows).toHaveLength(count('SELECT COUNT(*) FROM students'));
    for (const r of rows) {
      expect(r.SSID).toMatch(/^\d{10}$/);
      expect(['M', 'F', '']).toContain(r.gender);
      for (const flag of ['english_learner', 'migrant', 'gifted_learner', 'special_ed', 'sed']) expect(['Y', 'N']).toContain(r[flag]);
    }
    // Non-binary students (SIS "X") are sent with a blank gender (the vendor accepts M or F only), each with a warning.
    const nonBinary = count(`SELECT COUNT(*) FROM students WHERE gender = 'X'`);
    expect(rows.filter((r) => r.gender === '')).toHaveLength(nonBinary);
    expect(results.get(id)!.findings.filter((f) => f.rule === 'gender' && f.severity === 'warning' && f.column === 'gender')).toHaveLength(nonBinary);
  });
});

describe('D: oneroster-users-classes-enrollments', () => {
  const id = 'oneroster-users-classes-enrollments';
  it('writes the three files with the vendor headers', () => {
    expect(header(id, 'users.csv')).toBe('sourcedId,orgSourcedIds,role,givenName,familyName,email,sms,phone,agentSourcedIds,grades,language');
    expect(header(id, 'classes.csv')).toBe('sourcedId,title,grades,location,schoolSourcedId');
    expect(header(id, 'enrollments.csv')).toBe('classSourcedId,schoolSourcedId,userSourcedId,role');
  });

  it('keeps 6 of the 7 guardians of student 000601 and warns about the 7th', () => {
    expect(line(id, 'users.csv', '000601,')).toBe(
      '000601,SITE-005,student,Ruth,Nelson,rnelson000601@students.lakeviewsd.example.org,,+14589470183,"C0004001,C0004002,C0004003,C0004004,C0004005,C0004006",06,',
    );
    expect(results.get(id)!.findings.filter((f) => f.rule === 'max-count')).toEqual([
      {
        severity: 'warning',
        file: 'users.csv',
        row: 501,
        column: 'agentSourcedIds',
        value: 'C0004001;C0004002;C0004003;C0004004;C0004005;C0004006;C0004007',
        rule: 'max-count',
        message: '7 values where at most 6 are accepted; kept the first 6, dropped 1 (C0004007)',
        origin: 'students row 501',
      },
    ]);
    // The 7th guardian is still a user (a parent of 000601, preferring English).
    expect(line(id, 'users.csv', 'C0004007,')).toBe('C0004007,SITE-005,parent,María,Nelson,maria.nelson.4007@mail.example.net,+15416895491,+15416450133,,,en');
  });

  it('writes several schools in one quoted cell, grade codes and ISO 639 language codes', () => {
    const users = records(id, 'users.csv');
    const multi = users.find((u) => u.orgSourcedIds!.includes(','))!;
    expect(multi, 'a person in two schools').toBeDefined();
    expect(line(id, 'users.csv', `${multi.sourcedId},`)).toContain(`,"${multi.orgSourcedIds}",`);
    // SIS grades "K" → KG, "PK" → PK, "9" → 09
    expect(line(id, 'users.csv', '000194,')).toMatch(/,KG,$/);
    expect(line(id, 'users.csv', '000101,')).toMatch(/,PK,$/);
    expect(line(id, 'users.csv', '001132,')).toBe('001132,SITE-007,student,Siobhán,Muñoz,smunoz001132@students.lakeviewsd.example.org,+15414360409,,"C0008249,C0008250,C0008251",09,');
    // Household language "Spanish" → es
    expect(line(id, 'users.csv', 'C0008249,')).toBe('C0008249,SITE-007,parent,Chloé,Muñoz,chloe.munoz.8249@mail.example.net,+14588123641,,,,es');
    for (const u of users.filter((x) => x.language)) expect(u.language).toMatch(/^[a-z]{2,3}$/);
    const names = users.map((u) => `${u.givenName} ${u.familyName}`);
    expect(line(id, 'users.csv', '000757,')).toContain(',María José,"García, Jr.",');
    expect(names).toContain('Robert "Bobby" Smith');
  });

  it('enrolls students and teachers in delivered classes', () => {
    expect(line(id, 'enrollments.csv', '9000001,SITE-003,T')).toBe('9000001,SITE-003,T00001,teacher');
    expect(records(id, 'enrollments.csv')).toHaveLength(count('SELECT COUNT(*) FROM section_enrollments') + count('SELECT COUNT(*) FROM section_teachers'));
  });
});

describe('E: flat-roster (licensed: the high school only)', () => {
  const id = 'flat-roster';
  it('writes the roster header and only rows of the filtered school', () => {
    expect(header(id, 'roster.csv')).toBe(
      'school_id,school_name,teacher_email,teacher_first_name,teacher_last_name,class_id,class_name,student_first_name,student_last_name,student_email,student_grade_level',
    );
    const rows = records(id, 'roster.csv');
    expect(new Set(rows.map((r) => r.school_id))).toEqual(new Set(['007']));
    expect(linesStarting(id, 'roster.csv', '007,O\'Keeffe High School,jamal.kim73@lakeviewsd.example.org,Jamal,Kim,9000292,').filter((l) => l.includes('roconnor001507'))).toEqual([
      '007,O\'Keeffe High School,jamal.kim73@lakeviewsd.example.org,Jamal,Kim,9000292,English 12 - 03,Renée,"O\'Connor, III",roconnor001507@students.lakeviewsd.example.org,12',
    ]);
  });

  it('leaves out and reports students without an email (the vendor identifies students by email)', () => {
    const result = results.get(id)!;
    const blank = count(`SELECT COUNT(*) FROM section_enrollments e JOIN sections s ON s.section_id = e.section_id JOIN students st ON st.stu_id = e.stu_id
      WHERE s.sch_code = '007' AND (st.email IS NULL OR st.email = '')`);
    const total = count(`SELECT COUNT(*) FROM section_enrollments e JOIN sections s ON s.section_id = e.section_id WHERE s.sch_code = '007'`);
    expect(blank).toBeGreaterThan(0);
    expect(result.errors).toBe(blank);
    expect(result.findings.every((f) => f.rule === 'required' && f.column === 'student_email' && f.severity === 'error')).toBe(true);
    expect(records(id, 'roster.csv')).toHaveLength(total - blank);
  });
});

describe('F: oneroster-1.1', () => {
  const id = 'oneroster-1.1';
  it('writes spec headers and a bulk manifest', () => {
    expect(header(id, 'users.csv')).toBe(
      'sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password',
    );
    expect(header(id, 'enrollments.csv')).toBe('sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate');
    expect(text(id, 'manifest.csv')).toContain('file.users,bulk\r\n');
  });

  it('keeps all 7 guardians (OneRoster sets no limit), teacher phone in phone, blank status and dateLastModified in bulk', () => {
    expect(line(id, 'users.csv', '000601,')).toBe(
      '000601,,,true,SITE-005,student,rnelson000601,,Ruth,Nelson,S,9916688536,rnelson000601@students.lakeviewsd.example.org,,+14589470183,"C0004001,C0004002,C0004003,C0004004,C0004005,C0004006,C0004007",06,',
    );
    expect(line(id, 'users.csv', 'T00001,')).toBe('T00001,,,true,SITE-003,teacher,nmitchell1,,Noor,Mitchell,C,61174969,noor.mitchell1@lakeviewsd.example.org,,+15414547472,,,');
    expect(line(id, 'users.csv', 'C0004007,')).toBe('C0004007,,,true,SITE-005,parent,maria.nelson.4007@mail.example.net,,María,Nelson,,,maria.nelson.4007@mail.example.net,+15416895491,+15416450133,000601,,');
    expect(line(id, 'demographics.csv', '000569,')).toBe('000569,,,2015-11-24,male,true,false,false,false,false,false,false,,,,');
  });

  it('writes sex male or female only (OneRoster 1.1): non-binary students are sent blank, each with a warning naming the row', () => {
    const rows = records(id, 'demographics.csv');
    const nonBinary = count(`SELECT COUNT(*) FROM students WHERE gender = 'X'`);
    expect(nonBinary).toBeGreaterThan(0);
    expect(new Set(rows.map((r) => r.sex))).toEqual(new Set(['male', 'female', '']));
    expect(rows.filter((r) => r.sex === '')).toHaveLength(nonBinary);
    const warnings = results.get(id)!.findings.filter((f) => f.file === 'demographics.csv' && f.rule === 'gender');
    expect(warnings).toHaveLength(nonBinary);
    for (const w of warnings) {
      expect(w).toMatchObject({ severity: 'warning', column: 'sex', value: 'X' });
      expect(rows[w.row - 1]!.sex).toBe('');
    }
  });

  it('passes the independent OneRoster 1.1 checker', () => {
    expect(checkOneRosterSet(outDir(id)).problems).toEqual([]);
  });
});

describe('G: clever', () => {
  const id = 'clever';
  it('writes Clever headers with LF line endings', () => {
    expect(header(id, 'students.csv')).toBe(
      'School_id,Student_id,Student_number,State_id,Last_name,Middle_name,First_name,Grade,Gender,DOB,Race,Hispanic_Latino,Home_language,Ell_status,IEP_status,Student_email,Username,Password',
    );
    expect(header(id, 'sections.csv')).toBe('School_id,Section_id,Teacher_id,Name,Section_number,Grade,Course_number,Period,Subject');
    expect(text(id, 'enrollments.csv')).toMatch(/^School_id,Section_id,Student_id\n003,/);
  });

  it('writes grade words, MM/DD/YYYY birth dates, M/F/X and quoted names', () => {
    expect(line(id, 'students.csv', '003,000101,')).toBe('003,000101,000101,0775774036,Thomas,,Xin,PreKindergarten,F,08/08/2022,W,N,English,N,N,xthomas000101@students.lakeviewsd.example.org,xthomas000101,');
    expect(line(id, 'students.csv', '003,000194,')).toBe('003,000194,000194,3575984133,Nguyễn,,José,Kindergarten,M,08/29/2021,W,N,Ukrainian,Y,N,jnguyen000194@students.lakeviewsd.example.org,jnguyen000194,');
    expect(line(id, 'students.csv', '005,000757,')).toBe('005,000757,000757,3968653860,"García, Jr.",,María José,6,F,10/01/2014,W,N,English,N,N,mgarcia000757@students.lakeviewsd.example.org,mgarcia000757,');
    expect(line(id, 'students.csv', '003,000569,')).toBe('003,000569,000569,2931670008,Smith,,"Robert ""Bobby""",5,M,11/24/2015,I,N,English,N,N,rsmith000569@students.lakeviewsd.example.org,rsmith000569,');
    expect(line(id, 'sections.csv', '003,9000001,')).toBe('003,9000001,T00001,Homeroom Pre-K - 01,HRPK.01,PreKindergarten,003-HRPK,1,homeroom/advisory');
    expect(text(id, 'schools.csv').split('\n')[1]).toBe('003,Lincoln Elementary School,003,41000001,PreKindergarten,5,emily.muller76@lakeviewsd.example.org,3497 River Rd,Beaverton,OR,97254,+15038296569');
  });

  it('maps home languages to Clever’s words: "Chinese (Mandarin)" → Mandarin, never the raw SIS value', () => {
    const mandarin = sis.prepare(`SELECT stu_id FROM students WHERE lang = 'Chinese (Mandarin)' ORDER BY stu_id LIMIT 1`).pluck().get() as string;
    expect(records(id, 'students.csv').find((r) => r.Student_id === mandarin)!.Home_language).toBe('Mandarin');
    expect(new Set(records(id, 'students.csv').map((r) => r.Home_language))).toEqual(new Set(['English', 'Spanish', 'Vietnamese', 'Russian', 'Somali', 'Arabic', 'Mandarin', 'Ukrainian']));
  });

  it('sends active records only and student enrollments only', () => {
    expect(records(id, 'students.csv')).toHaveLength(count(`SELECT COUNT(*) FROM students WHERE active IN ('Y', '1', 'true')`));
    expect(records(id, 'enrollments.csv')).toHaveLength(count('SELECT COUNT(*) FROM section_enrollments'));
  });
});

describe('G: microsoft-sds-2.1', () => {
  const id = 'microsoft-sds-2.1';
  it('writes the SDS file set with SDS headers', () => {
    expect(readdirSync(outDir(id)).sort()).toEqual(['academicSessions.csv', 'classes.csv', 'enrollments.csv', 'orgs.csv', 'roles.csv', 'users.csv']);
    expect(header(id, 'users.csv')).toBe('sourcedId,username,familyName,givenName,password,activeDirectoryMatchId,email,phone,sms');
    expect(header(id, 'roles.csv')).toBe('userSourcedId,orgSourcedId,role,sessionSourcedId,grade,isPrimary,roleStartDate,roleEndDate');
    expect(text(id, 'orgs.csv')).toBe('sourcedId,name,type,parentSourcedId\r\n003,Lincoln Elementary School,school,\r\n005,Cedar Ridge Middle School,school,\r\n007,O\'Keeffe High School,school,\r\n');
  });

  it('writes one role per user and school', () => {
    const pairs = count(`SELECT COUNT(*) FROM staff_schools ss JOIN staff s ON s.staff_id = ss.staff_id WHERE s.staff_type = 'Teacher'`);
    expect(records(id, 'roles.csv')).toHaveLength(count('SELECT COUNT(*) FROM students') + pairs);
    const twoSchools = sis.prepare(`SELECT staff_id FROM staff_schools WHERE staff_id LIKE 'T%' GROUP BY staff_id HAVING COUNT(*) > 1`).pluck().all() as string[];
    expect(twoSchools.length).toBeGreaterThan(0);
    expect(linesStarting(id, 'roles.csv', `${twoSchools[0]},`)).toHaveLength(2);
    expect(line(id, 'roles.csv', '000194,')).toBe('000194,003,student,,KG,,,');
    expect(line(id, 'users.csv', '000757,')).toBe('000757,mgarcia000757@students.lakeviewsd.example.org,"García, Jr.",María José,,,mgarcia000757@students.lakeviewsd.example.org,+13604400559,');
  });

  it('gives a username without a domain the configured sign-in domain (SIS 000107 has no email, network ID pbaker000107)', () => {
    expect(records(id, 'users.csv').find((u) => u.sourcedId === '000107')!.username).toBe('pbaker000107@students.lakeviewsd.example.org');
    for (const u of records(id, 'users.csv')) expect(u.username).toMatch(/^[^@\s]+@[^@\s]+\.[^@\s]+$/);
  });
});
