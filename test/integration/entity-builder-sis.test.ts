/**
 * Issue 12.4: the entity builder against a SIS with its own raw column names. The demo district is
 * loaded into a real PostgreSQL and a real MariaDB and renamed SIS-style (src/demo/sis-style.ts: no
 * aliases). For each entity the admin's structural choices (test/helpers/sis-style-builder.ts) give
 * the columns on offer; the suggestions (src/shared/field-names.ts) must pick the right column for
 * at least 90 % of the REQUIRED canonical fields (src/shared/entities.ts). The share is printed and
 * asserted; a wrong suggestion counts as not filled. Then the SELECT generated from the accepted
 * suggestions runs through the source driver (read-only guard included) and returns every
 * required field, per engine.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { CANONICAL_FIELDS, REQUIRED_FIELDS } from '../../src/shared/entities.js';
import { buildEntityQuery } from '../../src/shared/entity-builder.js';
import { suggestCanonicalFields } from '../../src/shared/field-names.js';
import { getSourceDriver } from '../../src/sources/registry.js';
import type { TableInfo } from '../../src/sources/types.js';
import { closeAfterAll } from '../helpers/cleanup.js';
import { createMysqlDatabase, createPostgresDatabase, type TestDatabase } from '../helpers/databases.js';
import { ADMIN_CHOICES, builderCandidates, loadSisStyleDistrict, specFromSuggestions, type BuiltEntity } from '../helpers/sis-style-builder.js';

const opened = closeAfterAll();
const ENTITIES = Object.keys(ADMIN_CHOICES) as BuiltEntity[];
const STUDENTS = 300;

describe.each(['postgres', 'mysql'] as const)('entity builder on a SIS-style %s database', (engine) => {
  let db: TestDatabase;
  let tables: readonly TableInfo[];

  beforeAll(async () => {
    db = engine === 'postgres' ? await createPostgresDatabase('rs_sis_style') : await createMysqlDatabase('rs_sis_style');
    opened.databases.push(db);
    await loadSisStyleDistrict(db, STUDENTS);
    tables = await getSourceDriver(engine).discover(db.settings, {});
  }, 180_000);

  it('the suggestions fill at least 90 % of the required canonical fields with the right column', () => {
    let required = 0;
    let filled = 0;
    const report: string[] = [];
    for (const entity of ENTITIES) {
      const choices = ADMIN_CHOICES[entity];
      const suggested = new Map(suggestCanonicalFields(entity, builderCandidates(tables, choices)).map((s) => [s.field, s.key]));
      for (const field of REQUIRED_FIELDS[entity]) {
        required++;
        const expected = choices.expected[field];
        expect(expected, `${entity}.${field} has an expected column in ADMIN_CHOICES`).toBeDefined();
        const got = suggested.get(field);
        const right = got !== undefined && got === expected;
        if (right) filled++;
        report.push(`${right ? 'ok  ' : 'MISS'} ${entity}.${field}: suggested ${got ?? '(nothing)'}, expected ${expected}`);
      }
    }
    const share = filled / required;
    console.log(`[${engine}] suggestions filled ${filled} of ${required} required canonical fields (${(share * 100).toFixed(1)} %)\n${report.join('\n')}`);
    expect(share).toBeGreaterThanOrEqual(0.9);
  });

  it('the SELECT built from the accepted suggestions runs read-only and returns every required field', async () => {
    const driver = getSourceDriver(engine);
    for (const entity of ENTITIES) {
      const query = buildEntityQuery(specFromSuggestions(entity, tables, ADMIN_CHOICES[entity]), engine);
      const sample = await driver.sample(db.settings, {}, { entity, query }, 20);
      expect(sample.rows.length, `${entity}: rows of\n${query}`).toBeGreaterThan(0);
      for (const field of REQUIRED_FIELDS[entity]) expect(sample.columns, `${entity} returns ${field}`).toContain(field);
      for (const column of sample.columns) expect(CANONICAL_FIELDS[entity], `${entity} returns only canonical fields`).toContain(column);
    }
    const students = buildEntityQuery(specFromSuggestions('students', tables, ADMIN_CHOICES.students), engine);
    const first = (await driver.sample(db.settings, {}, { entity: 'students', query: students }, 20)).rows;
    expect(first.every((r) => r.student_id && r.first_name && r.grade)).toBe(true);
    expect(first.some((r) => r.guardian_ids?.includes(';'))).toBe(true);
  }, 60_000);
});
