/**
 * The entity builder's SELECT generator, per dialect: quoting of names and values, joins, filters,
 * constants and `;`-joined lists, the read-only guard's verdict, and (SQLite, in memory) the rows
 * it returns. The same generator runs against PostgreSQL and MariaDB in test/integration/entity-builder-sis.test.ts.
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { BUILDER_DIALECTS, buildEntityQuery, parseEntityBuilderSpec, quoteIdentifier, quoteLiteral, type EntityBuilderSpecInput } from '../../src/shared/entity-builder.js';
import { assertReadOnlySelect } from '../../src/sources/sql-guard.js';

const STUDENTS: EntityBuilderSpecInput = {
  table: { name: 'Students' },
  joins: [{ alias: 'j1', table: { name: 'student_demographics' }, kind: 'left', column: 'Student_Number', equals: { alias: 'b', column: 'Student_Number' } }],
  filters: [{ alias: 'b', column: 'Active', op: 'in', values: ['Y', '1'] }],
  fields: {
    student_id: { kind: 'column', alias: 'b', column: 'Student_Number' },
    first_name: { kind: 'column', alias: 'b', column: 'First_Name' },
    ethnicity: { kind: 'column', alias: 'j1', column: 'FedEthnicity' },
    role: { kind: 'constant', value: "student's" },
    guardian_ids: { kind: 'list', table: { name: 'student_contacts' }, column: 'contact_id', key: 'stu_id', equals: { alias: 'b', column: 'Student_Number' } },
  },
};

describe('entity builder: SELECT per dialect', () => {
  it('PostgreSQL: double-quoted names, string_agg ordered as text', () => {
    expect(buildEntityQuery(STUDENTS, 'postgres')).toBe(
      [
        'SELECT',
        '  b."Student_Number" AS "student_id",',
        '  b."First_Name" AS "first_name",',
        '  j1."FedEthnicity" AS "ethnicity",',
        `  'student''s' AS "role",`,
        `  (SELECT string_agg(CAST(l1."contact_id" AS TEXT), ';' ORDER BY CAST(l1."contact_id" AS TEXT)) FROM "student_contacts" l1 WHERE l1."stu_id" = b."Student_Number") AS "guardian_ids"`,
        'FROM "Students" b',
        'LEFT JOIN "student_demographics" j1 ON j1."Student_Number" = b."Student_Number"',
        `WHERE b."Active" IN ('Y', '1')`,
      ].join('\n'),
    );
  });

  it('MySQL/MariaDB: backticks, GROUP_CONCAT, backslashes escaped in literals', () => {
    const sql = buildEntityQuery({ ...STUDENTS, filters: [{ alias: 'b', column: 'Active', op: 'equals', values: ['Y\\'] }] }, 'mysql');
    expect(sql).toContain('b.`Student_Number` AS `student_id`');
    expect(sql).toContain("(SELECT GROUP_CONCAT(l1.`contact_id` ORDER BY l1.`contact_id` SEPARATOR ';') FROM `student_contacts` l1 WHERE l1.`stu_id` = b.`Student_Number`) AS `guardian_ids`");
    expect(sql).toContain('LEFT JOIN `student_demographics` j1 ON j1.`Student_Number` = b.`Student_Number`');
    expect(sql).toContain("WHERE b.`Active` = 'Y\\\\'");
  });

  it('SQL Server: brackets, N literals, STRING_AGG … WITHIN GROUP', () => {
    const sql = buildEntityQuery({ ...STUDENTS, table: { schema: 'dbo', name: 'Students' } }, 'mssql');
    expect(sql).toContain('b.[Student_Number] AS [student_id]');
    expect(sql).toContain("N'student''s' AS [role]");
    expect(sql).toContain("STRING_AGG(CAST(l1.[contact_id] AS NVARCHAR(4000)), N';') WITHIN GROUP (ORDER BY l1.[contact_id])");
    expect(sql).toContain('FROM [dbo].[Students] b');
    expect(sql).toContain("WHERE b.[Active] IN (N'Y', N'1')");
  });

  it('Oracle: double-quoted names as the catalog lists them, LISTAGG, no AS before a table alias', () => {
    const spec: EntityBuilderSpecInput = {
      table: { schema: 'PS', name: 'STUDENTS' },
      filters: [{ alias: 'b', column: 'ENROLL_STATUS', op: 'equals', values: ['0'] }],
      fields: {
        student_id: { kind: 'column', alias: 'b', column: 'STUDENT_NUMBER' },
        school_codes: { kind: 'list', table: { schema: 'PS', name: 'CC' }, column: 'SCHOOLID', key: 'STUDENTID', equals: { alias: 'b', column: 'ID' } },
      },
    };
    const sql = buildEntityQuery(spec, 'oracle');
    expect(sql).toContain('b."STUDENT_NUMBER" AS "student_id"');
    expect(sql).toContain(`LISTAGG(l1."SCHOOLID", ';') WITHIN GROUP (ORDER BY l1."SCHOOLID")`);
    expect(sql).toContain('FROM "PS"."STUDENTS" b\n');
    expect(sql).not.toMatch(/ AS b\b/);
  });

  it('quotes names and values so that nothing can close the quote', () => {
    expect(quoteIdentifier('we"ird', 'postgres')).toBe('"we""ird"');
    expect(quoteIdentifier('we`ird', 'mysql')).toBe('`we``ird`');
    expect(quoteIdentifier('we]ird', 'mssql')).toBe('[we]]ird]');
    expect(quoteLiteral("O'Brien", 'sqlite')).toBe("'O''Brien'");
    expect(quoteLiteral("a\\'; DROP TABLE x; --", 'mysql')).toBe("'a\\\\''; DROP TABLE x; --'");
  });

  it('every dialect passes the read-only guard, hostile-looking names and values included', () => {
    const hostile: EntityBuilderSpecInput = {
      ...STUDENTS,
      filters: [
        { alias: 'b', column: 'drop"; DELETE FROM x; --', op: 'not-in', values: ["'); DELETE FROM students; --", 'x\\'] },
        { alias: 'j1', column: 'withdrawn', op: 'is-null' },
      ],
    };
    for (const dialect of BUILDER_DIALECTS) {
      expect(() => assertReadOnlySelect(buildEntityQuery(STUDENTS, dialect), dialect, 'students')).not.toThrow();
      expect(() => assertReadOnlySelect(buildEntityQuery(hostile, dialect), dialect, 'students')).not.toThrow();
    }
  });

  it('refuses incomplete choices with the place of each problem', () => {
    expect(() => parseEntityBuilderSpec({ table: { name: 'students' }, fields: {} })).toThrow(/fields: map at least one field/);
    expect(() =>
      buildEntityQuery({ table: { name: 's' }, fields: { student_id: { kind: 'column', alias: 'j1', column: 'id' } } }, 'postgres'),
    ).toThrow(/fields\.student_id\.alias: no table is named j1 here/);
    expect(() =>
      buildEntityQuery({ table: { name: 's' }, filters: [{ alias: 'b', column: 'active', op: 'equals', values: [] }], fields: { student_id: { kind: 'column', alias: 'b', column: 'id' } } }, 'postgres'),
    ).toThrow(/filters\.0\.values: equals compares with exactly one value \(got 0\)/);
    expect(() =>
      buildEntityQuery(
        { table: { name: 's' }, joins: [{ alias: 'j2', table: { name: 't' }, column: 'id', equals: { alias: 'b', column: 'id' } }], fields: { x: { kind: 'constant', value: '1' } } },
        'postgres',
      ),
    ).toThrow(/joins\.0\.alias: join 1 must be named j1 \(got j2\)/);
  });
});

describe('entity builder: the generated SELECT runs (SQLite in memory)', () => {
  it('joins, filters, constants and ordered ;-lists give canonical rows', () => {
    const db = new Database(':memory:');
    try {
      db.exec(`
        CREATE TABLE "Students" ("Student_Number" TEXT, "First_Name" TEXT, "Active" TEXT);
        CREATE TABLE student_demographics ("Student_Number" TEXT, "FedEthnicity" TEXT);
        CREATE TABLE student_contacts (stu_id TEXT, contact_id TEXT);
        INSERT INTO "Students" VALUES ('000101', 'Ana', 'Y'), ('000102', 'Bo', 'N'), ('000103', 'Cy', '1');
        INSERT INTO student_demographics VALUES ('000101', 'H');
        INSERT INTO student_contacts VALUES ('000101', 'C2'), ('000101', 'C1'), ('000103', 'C3');
      `);
      const rows = db.prepare(buildEntityQuery(STUDENTS, 'sqlite')).all();
      expect(rows).toEqual([
        { student_id: '000101', first_name: 'Ana', ethnicity: 'H', role: "student's", guardian_ids: 'C1;C2' },
        { student_id: '000103', first_name: 'Cy', ethnicity: null, role: "student's", guardian_ids: 'C3' },
      ]);
      const notIn = buildEntityQuery({ ...STUDENTS, filters: [{ alias: 'j1', column: 'FedEthnicity', op: 'not-in', values: ['H'] }] }, 'sqlite');
      expect(db.prepare(notIn).all().map((r) => (r as { student_id: string }).student_id)).toEqual(['000102', '000103']);
    } finally {
      db.close();
    }
  });
});
