/**
 * Issue 12.5: map once per source, not once per vendor. The canonical layer belongs to the source:
 * a PostgreSQL SIS with its own raw column names (src/demo/sis-style.ts) gets one source whose
 * eight entity queries were made with the entity builder (the suggestions accepted, the admin's
 * joins, lists, filters and constants; two queries edited by hand: terms to take the year out of
 * '2026-2027', guardians to add their students' schools, two tables away). Three destinations of
 * different formats — OneRoster 1.1, Clever and Microsoft SDS 2.1 — then read that source with NO
 * mapping of their own (only each vendor's site IDs, which are the vendor's data, and SDS's
 * sign-in domain, a format option) and each delivers a complete, valid file set: adding a vendor
 * repeats none of the work.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { openAgent, type AgentContext } from '../../src/home/context.js';
import { runDestination, type RunResult } from '../../src/agent/runner.js';
import { destinationConfigSchema, sourceConfigSchema, type SiteMapEntry } from '../../src/shared/config.schema.js';
import { buildEntityQuery, parseEntityBuilderSpec } from '../../src/shared/entity-builder.js';
import { getSourceDriver } from '../../src/sources/registry.js';
import type { TableInfo } from '../../src/sources/types.js';
import { closeAfterAll } from '../helpers/cleanup.js';
import { createPostgresDatabase, type TestDatabase } from '../helpers/databases.js';
import { checkOneRosterSet } from '../helpers/oneroster-check.js';
import { ADMIN_CHOICES, loadSisStyleDistrict, specFromSuggestions, type BuiltEntity } from '../helpers/sis-style-builder.js';

const opened = closeAfterAll();
const STUDENTS = 300;
const SOURCE = 'sis';
const NOW = new Date('2027-01-15T06:00:00Z');
const VENDORS = [
  { name: 'oneroster-vendor', format: 'oneroster-1.1', sitePrefix: 'OR-' },
  { name: 'clever-vendor', format: 'clever', sitePrefix: 'CL-' },
  // A format option, not a mapping: SDS sign-in names need the district's domain.
  { name: 'sds-vendor', format: 'microsoft-sds-2.1', sitePrefix: 'MS-', formatOptions: { usernameDomain: 'lakeviewsd.example.org' } },
] as const;

let db: TestDatabase;
let ctx: AgentContext;
let tables: readonly TableInfo[];
const results = new Map<string, RunResult>();
const outbox = (vendor: string): string => path.join(ctx.layout.home, 'outboxes', vendor);

beforeAll(async () => {
  db = await createPostgresDatabase('rs_map_once');
  opened.databases.push(db);
  await loadSisStyleDistrict(db, STUDENTS);
  tables = await getSourceDriver('postgres').discover(db.settings, {});
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'rs-map-once-'));
  opened.dirs.push(home);
  ctx = openAgent(home);
  opened.contexts.push(ctx);

  const entities: Record<string, { query: string; builder: unknown }> = {};
  for (const entity of Object.keys(ADMIN_CHOICES) as BuiltEntity[]) {
    const builder = parseEntityBuilderSpec(specFromSuggestions(entity, tables, ADMIN_CHOICES[entity]));
    let query = buildEntityQuery(builder, 'postgres');
    if (entity === 'terms') {
      // The one hand edit: OneRoster wants the school year as YYYY, the SIS stores '2026-2027'.
      const edited = query.replace('b."SchoolYear" AS "school_year"', 'substr(b."SchoolYear", 6, 4) AS "school_year"');
      expect(edited).not.toBe(query);
      query = edited;
    }
    if (entity === 'guardians') {
      // A guardian's schools are their students' schools: two tables away, beyond a builder list (one table).
      const edited = query.replace(
        '\nFROM "contacts" b',
        `,\n  (SELECT string_agg(DISTINCT s."SchoolID", ';' ORDER BY s."SchoolID") FROM student_contacts x JOIN students s ON s."Student_Number" = x.stu_id WHERE x."ContactID" = b."ContactID") AS "school_codes"\nFROM "contacts" b`,
      );
      expect(edited).not.toBe(query);
      query = edited;
    }
    entities[entity] = { query, builder };
  }
  ctx.store.saveSource(sourceConfigSchema.parse({ name: SOURCE, type: 'postgres', settings: db.settings, entities }));

  const schoolCodes = (await db.exec('SELECT "SchoolID" FROM schools ORDER BY "SchoolID"')).map((r) => String(r.SchoolID));
  for (const vendor of VENDORS) {
    ctx.store.saveDestination(destinationConfigSchema.parse({
        name: vendor.name,
        source: SOURCE,
        format: vendor.format,
        ...('formatOptions' in vendor ? { formatOptions: vendor.formatOptions } : {}),
        type: 'folder',
        settings: { path: outbox(vendor.name) },
      }),);
    const siteMap: SiteMapEntry[] = schoolCodes.map((code) => ({ schoolCode: code, siteId: `${vendor.sitePrefix}${code}`, label: `School ${code}` }));
    ctx.store.replaceSiteMap(vendor.name, siteMap);
  }
  for (const vendor of VENDORS) results.set(vendor.name, await runDestination(ctx, vendor.name, { trigger: 'manual', now: () => NOW }));
}, 240_000);

const readCsv = (file: string): Record<string, string>[] => parse(fs.readFileSync(file), { columns: true, bom: true, skip_empty_lines: true }) as Record<string, string>[];

describe('one builder-made source, three vendor formats, no destination mapping', () => {
  it('none of the three destinations has a mapping of its own', () => {
    for (const vendor of VENDORS) expect(ctx.store.getDestination(vendor.name)!.mapping ?? {}, vendor.name).toEqual({});
    const source = ctx.store.getSource(SOURCE)!;
    for (const entity of Object.keys(ADMIN_CHOICES)) expect(source.entities[entity as BuiltEntity]?.builder, `${entity} keeps its builder choices`).toBeDefined();
  });

  it('each delivers a complete set without errors', () => {
    for (const vendor of VENDORS) {
      const result = results.get(vendor.name)!;
      expect(result.status, `${vendor.name}: ${result.message}\n${result.findings.slice(0, 5).map((f) => `${f.file} ${f.column} ${f.message}`).join('\n')}`).toBe('success');
      expect(result.errors, vendor.name).toBe(0);
      for (const file of result.files) expect(file.rows, `${vendor.name} ${file.name}`).toBeGreaterThan(0);
    }
  });

  it('OneRoster 1.1: the set passes the independent spec check, every student included', () => {
    const check = checkOneRosterSet(outbox('oneroster-vendor'));
    expect(check.problems).toEqual([]);
    const users = readCsv(path.join(outbox('oneroster-vendor'), 'users.csv'));
    expect(users.filter((u) => u.role === 'student').length).toBe(STUDENTS);
    expect(users.filter((u) => u.role === 'teacher').length).toBeGreaterThan(0);
    expect(users.some((u) => u.role === 'student' && u.agentSourcedIds?.includes(','))).toBe(true);
    expect(readCsv(path.join(outbox('oneroster-vendor'), 'orgs.csv')).map((o) => o.sourcedId).every((id) => id.startsWith('OR-'))).toBe(true);
  });

  it('Clever and SDS: every student, with the fields each requires', () => {
    const clever = fs.readdirSync(outbox('clever-vendor'));
    const cleverStudents = readCsv(path.join(outbox('clever-vendor'), clever.find((f) => /^students\.csv$/i.test(f))!));
    expect(cleverStudents.length).toBe(STUDENTS);
    expect(cleverStudents.every((s) => s.Student_id && s.First_name && s.Last_name && s.School_id && s.Grade)).toBe(true);
    const roles = readCsv(path.join(outbox('sds-vendor'), 'roles.csv'));
    expect(roles.filter((r) => r.role === 'student').length).toBe(STUDENTS);
    expect(roles.filter((r) => r.role === 'student').every((r) => r.orgSourcedId && r.userSourcedId)).toBe(true);
    expect(readCsv(path.join(outbox('sds-vendor'), 'users.csv')).every((u) => /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(u.username ?? ''))).toBe(true);
  });
});
