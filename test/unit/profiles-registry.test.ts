import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILT_IN_PROFILES, getProfile, listProfiles } from '../../src/profiles/registry.js';
import { loadCustomProfiles, parseCustomProfile, parseProfile } from '../../src/profiles/profile.schema.js';
import { entityRequestOf, resolveSourceEntities } from '../../src/profiles/resolve.js';
import { buildPlan } from '../../src/pipeline/plan.js';
import { assertProfileSchema, detectProfiles } from '../../src/profiles/detect.js';
import type { TableInfo } from '../../src/sources/types.js';
import { oneRoster11 } from '../../src/formats/oneroster-1.1.js';
import { destinationConfigSchema, sourceConfigSchema } from '../../src/shared/config.schema.js';
import { CONFIG_DOOR, checkSource } from '../../src/home/config-door.js';
import { Store } from '../../src/store/store.js';
import type { SisProfile } from '../../src/shared/sis-profile.js';

/** A small database profile, as an admin would import it. */
const tinySis: SisProfile = {
  id: 'tiny-sis',
  name: 'Tiny SIS',
  engines: ['postgres', 'mysql'],
  verification: { testedInCi: false, note: 'A test profile.' },
  detect: { tables: { pupils: ['pupil_id'] } },
  entities: {
    schools: { query: 'SELECT sch AS school_code, nm AS name FROM sites' },
    students: { query: 'SELECT pupil_id AS student_id FROM pupils WHERE left_on IS NULL', notes: ['Active pupils only.'] },
  },
};

/** An export-folder profile with a header map. */
const tinyExport: SisProfile = {
  id: 'tiny-export',
  name: 'Tiny export',
  engines: ['folder'],
  verification: { testedInCi: true, note: 'A test profile.' },
  detect: { files: { 'pupils*.csv': ['PupilNumber'] } },
  entities: { students: { file: 'pupils*.csv', columns: { student_id: 'PupilNumber', first_name: 'Given' } } },
};

const source = (extra: Record<string, unknown>) => sourceConfigSchema.parse({ name: 'sis', type: 'postgres', settings: { host: 'h', database: 'd', user: 'u' }, ...extra });

describe('SIS profile registry', () => {
  it('every built-in profile passes the same checks as a custom one (schema, engines, read-only SQL per engine)', () => {
    for (const profile of BUILT_IN_PROFILES) expect(() => parseProfile(profile, `built-in ${profile.id}`)).not.toThrow();
    expect(new Set(BUILT_IN_PROFILES.map((p) => p.id)).size).toBe(BUILT_IN_PROFILES.length);
  });

  it('lists custom profiles after the built-in ones and names the registry file for an unknown id', () => {
    expect(listProfiles([tinySis]).at(-1)).toBe(tinySis);
    expect(getProfile('tiny-sis', [tinySis])).toBe(tinySis);
    expect(() => getProfile('no-such-sis', [tinySis])).toThrow(/Unknown SIS profile "no-such-sis" \(known: .*tiny-sis\)\. Built-in profiles are listed in src\/profiles\/registry\.ts/);
  });

  it('refuses a profile query the read-only guard refuses, naming the entity, the profile and the engine', () => {
    const bad = { ...tinySis, entities: { students: { query: 'DELETE FROM pupils' } } };
    expect(() => parseProfile(bad, 'bad.yaml')).toThrow(/bad\.yaml: entities\.students\.query: The query for students under profile tiny-sis \(postgres\)/);
  });

  it('refuses folder mixed with database engines, a query in a folder profile, a header map on a query, and missing detection', () => {
    expect(() => parseProfile({ ...tinyExport, engines: ['folder', 'postgres'] })).toThrow(/engines: an export-folder profile reads files/);
    expect(() => parseProfile({ ...tinyExport, entities: { students: { query: 'SELECT 1 AS student_id' } } })).toThrow(/entities\.students\.query: an export-folder profile names a file/);
    expect(() => parseProfile({ ...tinySis, entities: { students: { query: 'SELECT 1 AS student_id', columns: { a: 'b' } } } })).toThrow(/entities\.students\.columns: a header map is for export files/);
    expect(() => parseProfile({ ...tinySis, detect: {} })).toThrow(/detect\.tables: say which tables/);
    expect(() => parseProfile({ ...tinySis, id: 'Tiny SIS' })).toThrow(/id: lower-case letters/);
  });

  it('a custom profile may not take a built-in id; stored ones are validated one by one', () => {
    for (const builtIn of BUILT_IN_PROFILES) expect(() => parseCustomProfile({ ...tinySis, id: builtIn.id })).toThrow(/is a built-in profile/);
    const { profiles, invalid } = loadCustomProfiles([tinySis, { id: 'broken', name: 'Broken' }]);
    expect(profiles.map((p) => p.id)).toEqual(['tiny-sis']);
    expect(invalid).toEqual([{ id: 'broken', message: expect.stringMatching(/^custom profile "broken": /) }]);
  });
});

describe('resolution: source + profile → entity requests', () => {
  it('a source with type, profile and settings only gets every entity of its profile', () => {
    const resolved = resolveSourceEntities(source({ profile: 'tiny-sis' }), [tinySis]);
    expect(Object.keys(resolved)).toEqual(['schools', 'students']);
    expect(resolved.students).toEqual({ entity: 'students', origin: 'profile', query: tinySis.entities.students!.query, profile: 'Tiny SIS' });
  });

  it("the source's own entry replaces one entity; the others stay the profile's", () => {
    const resolved = resolveSourceEntities(source({ profile: 'tiny-sis', entities: { students: { query: 'SELECT id AS student_id FROM v_pupils' } } }), [tinySis]);
    expect(resolved.students).toEqual({ entity: 'students', origin: 'source', query: 'SELECT id AS student_id FROM v_pupils' });
    expect(resolved.schools?.origin).toBe('profile');
  });

  it("passes a folder profile's header map through to the driver's request", () => {
    const folder = sourceConfigSchema.parse({ name: 'drop', type: 'folder', profile: 'tiny-export', settings: { path: '/x' } });
    expect(entityRequestOf(resolveSourceEntities(folder, [tinyExport]), 'students')).toEqual({
      entity: 'students',
      file: 'pupils*.csv',
      columns: { student_id: 'PupilNumber', first_name: 'Given' },
      profile: 'Tiny export',
    });
  });

  it('without a profile, only the source entries count', () => {
    expect(resolveSourceEntities(source({ entities: { schools: { query: 'SELECT 1 AS school_code' } } }))).toEqual({ schools: { entity: 'schools', origin: 'source', query: 'SELECT 1 AS school_code' } });
  });

  it("refuses a profile that does not run on the source's type, saying what would", () => {
    expect(() => resolveSourceEntities(source({ type: 'mssql', profile: 'tiny-sis' }), [tinySis])).toThrow(
      'Source "sis" is of type mssql, but profile tiny-sis (Tiny SIS) runs on postgres or mysql: set type: postgres or choose a profile for mssql.',
    );
    expect(() => resolveSourceEntities(source({ profile: 'nope' }), [tinySis])).toThrow(/Unknown SIS profile "nope"/);
  });

  it("the run's plan reads the profile's queries, and says when neither the source nor its profile gives an entity", () => {
    const destination = destinationConfigSchema.parse({ name: 'or', source: 'sis', format: 'oneroster-1.1', type: 'folder', settings: { path: '/out' } });
    const plan = buildPlan({ format: oneRoster11, destination, source: source({ profile: 'tiny-sis' }), siteMap: [], customProfiles: [tinySis] });
    const orgs = plan.files.find((f) => f.def.name === 'orgs.csv')!;
    expect(orgs.entities[0]!.request).toEqual({ entity: 'schools', query: tinySis.entities.schools!.query, profile: 'Tiny SIS' });
    expect(plan.findings.find((f) => f.file === 'courses.csv')?.message).toMatch(/has no courses query \(its profile tiny-sis gives none; add one under the source's entities\)/);
  });
});

describe('the configuration door and the store', () => {
  it('a source naming a profile is checked: the profile exists and runs on its type (path "profile")', () => {
    expect(checkSource(source({ profile: 'tiny-sis' }), { customProfiles: () => [tinySis] }).profile).toBe('tiny-sis');
    expect(() => checkSource(source({ type: 'mssql', settings: { host: 'h', database: 'd', user: 'u' }, profile: 'tiny-sis' }), { customProfiles: () => [tinySis] })).toThrow(
      /profile: The source is of type mssql, but profile tiny-sis/,
    );
    expect(() => checkSource(source({ profile: 'nope' }), { customProfiles: () => [] })).toThrow(/profile: Unknown SIS profile "nope"/);
  });

  it('stores custom profiles through the door; an invalid one is refused', () => {
    const store = new Store(join(mkdtempSync(join(tmpdir(), 'rs-profiles-')), 'rostersync.db'), CONFIG_DOOR);
    try {
      store.saveCustomProfile('tiny-sis', tinySis);
      expect(store.listCustomProfiles()).toEqual([tinySis]);
      store.saveSource(source({ profile: 'tiny-sis' }));
      expect(store.getSource('sis')?.profile).toBe('tiny-sis');
      expect(() => store.saveCustomProfile('bad', { ...tinySis, id: 'bad', entities: { students: { query: 'UPDATE pupils SET x = 1' } } })).toThrow(/entities\.students\.query/);
      expect(store.deleteCustomProfile('tiny-sis')).toBe(true);
    } finally {
      store.close();
    }
  });
});

describe('detection', () => {
  const table = (name: string, ...columns: string[]): TableInfo => ({ name, kind: 'table', columns: columns.map((c) => ({ name: c, type: 'text' })) });

  it('names the profile whose tables and columns are all there (any case), with the evidence', () => {
    const result = detectProfiles([table('PUPILS', 'Pupil_ID', 'x')], 'postgres', [tinySis, tinyExport]);
    expect(result.matches.map((m) => m.id)).toEqual(['tiny-sis']);
    expect(result.message).toBe('tables pupils found: Tiny SIS');
  });

  it('with no match, says what it looked for and what was missing', () => {
    expect(detectProfiles([table('pupils', 'name')], 'mysql', [tinySis]).message).toBe(
      'No SIS profile matches this database. Looked for: Tiny SIS (tables pupils; missing column pupils.pupil_id).',
    );
    expect(detectProfiles([], 'mssql', [tinySis]).message).toBe('No SIS profile runs on mssql sources.');
  });

  it('matches export files by pattern and header for folder profiles', () => {
    const file = (name: string, ...headers: string[]): TableInfo => ({ name, kind: 'file', columns: headers.map((h) => ({ name: h, type: 'text' })) });
    expect(detectProfiles([file('Pupils_2025.csv', 'PupilNumber')], 'folder', [tinySis, tinyExport]).message).toBe('export files pupils*.csv found: Tiny export');
    expect(() => assertProfileSchema(tinyExport, [file('pupils.csv', 'Given')], 'drop')).toThrow(
      /Source "drop" lacks header pupils\*\.csv\.PupilNumber, which profile tiny-export \(Tiny export\) expects/,
    );
  });
});
