/**
 * `rostersync format …` through the CLI entry point with captured output, and custom formats
 * arriving through the configuration file: list/show/clone/import/validate/delete, validation
 * messages that name the path, and a cloned format actually used by a run.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { main } from '../../src/cli/main.js';
import { BUILT_IN_FORMATS } from '../../src/formats/registry.js';
import { parseConfigText } from '../../src/agent/config-file.js';
import { openAgent, closeAgent } from '../../src/home/context.js';
import { runDestination } from '../../src/agent/runner.js';
import { destinationConfigSchema, sourceConfigSchema } from '../../src/shared/config.schema.js';
import type { FormatDef } from '../../src/shared/format.js';
import Database from 'better-sqlite3';
import { onStoreFile } from '../helpers/store-file-sql.js';

const home = mkdtempSync(join(tmpdir(), 'rs-fmt-cli-'));
const work = mkdtempSync(join(tmpdir(), 'rs-fmt-cli-files-'));

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['node', 'rostersync', '--home', home, ...args], { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) });
  return { code, out, err };
}

afterAll(() => {
  process.exitCode = 0;
});

describe('rostersync format', () => {
  it('lists every built-in format', async () => {
    const text = await cli('format', 'list');
    expect(text.code).toBe(0);
    for (const f of BUILT_IN_FORMATS) expect(text.out).toContain(f.id);
    const json = JSON.parse((await cli('--json', 'format', 'list')).out) as { formats: { id: string; builtIn: boolean; files: string[] }[] };
    expect(json.formats.map((f) => f.id)).toEqual(BUILT_IN_FORMATS.map((f) => f.id));
    expect(json.formats.every((f) => f.builtIn)).toBe(true);
    expect(json.formats.find((f) => f.id === 'clever')!.files).toEqual(['schools.csv', 'students.csv', 'teachers.csv', 'sections.csv', 'enrollments.csv']);
  });

  it('shows a format as text and as its whole definition in JSON', async () => {
    const text = await cli('format', 'show', 'five-file-provisioning');
    expect(text.code).toBe(0);
    expect(text.out).toContain('quoting never');
    expect(text.out).toContain('school_name  [≤ 60 chars (warning)]');
    expect(text.out).toMatch(/enrollments\.csv .*always sent/);
    const json = JSON.parse((await cli('--json', 'format', 'show', 'demographics-yn')).out) as FormatDef;
    expect(json.files[0]!.rowRules).toEqual([{ kind: 'anyOf', columns: ['SSID', 'email'], message: 'the vendor matches students by SSID or email' }]);
    const missing = await cli('format', 'show', 'no-such-format');
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/No format "no-such-format"/);
  });

  it('clones a built-in format to a YAML file the admin edits, validates and imports it, and a run uses it', async () => {
    const file = join(work, 'my-vendor.yaml');
    const cloned = await cli('format', 'clone', 'students-upper-snake', 'my-vendor', '--file', file);
    expect(cloned.code).toBe(0);
    const def = YAML.parse(readFileSync(file, 'utf8')) as FormatDef & { files: { columns: { name: string }[]; name: string }[] };
    expect(def.id).toBe('my-vendor');
    // The admin edits: a semicolon-separated file named pupils.csv without SCHOOL_NAME…
    def.files[0]!.name = 'pupils.csv';
    (def as { dialect: object }).dialect = { ...def.dialect, delimiter: ';' };
    def.files[0]!.columns = def.files[0]!.columns.filter((c) => c.name !== 'SCHOOL_NAME');
    writeFileSync(file, YAML.stringify(def));
    // …but parents.csv still points at students.csv, and the option effects still name it.
    const stale = await cli('format', 'validate', file);
    expect(stale.code).toBe(1);
    expect(stale.out).toContain('files[1].references[0].file: students.csv is not a file of this format (files: pupils.csv, parents.csv)');
    expect(stale.out).toContain('optionEffects[0].optionalColumns[0].file: students.csv is not a file of this format');
    // The admin drops parents.csv and renames the file in the option effects.
    def.files = [def.files[0]!];
    const effects = JSON.stringify(def.optionEffects!.filter((e) => !e.omitFiles)).replaceAll('"students.csv"', '"pupils.csv"');
    (def as { optionEffects: unknown }).optionEffects = JSON.parse(effects);
    (def as { options: unknown }).options = def.options!.filter((o) => o.id !== 'includeParents');
    writeFileSync(file, YAML.stringify(def));
    expect((await cli('format', 'validate', file)).out).toContain('format my-vendor is valid');
    const imported = await cli('format', 'import', file);
    expect(imported.code).toBe(0);
    expect(imported.out).toContain('Imported custom format my-vendor (1 file(s))');
    expect((await cli('format', 'list')).out).toMatch(/my-vendor\s+custom/);

    // A tiny SIS and a destination using the custom format.
    const sis = join(work, 'sis.db');
    const db = new Database(sis);
    db.exec(`CREATE TABLE students (student_id TEXT, first_name TEXT, last_name TEXT, grade TEXT, school_codes TEXT, email TEXT);
      INSERT INTO students VALUES ('00042', 'Zoë', 'O''Brien; Jr', 'K', '007', 'zoe@school.org');`);
    db.close();
    const ctx = openAgent(home);
    try {
      ctx.store.saveSource(sourceConfigSchema.parse({ name: 'tiny', type: 'sqlite', settings: { path: sis }, entities: { students: { query: 'SELECT * FROM students' } } }));
      const out = join(work, 'out');
      ctx.store.saveDestination(destinationConfigSchema.parse({ name: 'custom', source: 'tiny', format: 'my-vendor', type: 'folder', settings: { path: out } }));
      ctx.store.replaceSiteMap('custom', [{ schoolCode: '007', siteId: 'S7', label: 'Lincoln' }]);
      const run = await runDestination(ctx, 'custom', { trigger: 'manual' });
      expect(run.status, run.message).toBe('success');
      expect(readFileSync(join(out, 'pupils.csv'), 'utf8')).toBe('STUDENT_ID;FIRST_NAME;LAST_NAME;GRADE;SITE_ID;EMAIL\r\n00042;Zoë;"O\'Brien; Jr";0;S7;zoe@school.org\r\n');
    } finally {
      closeAgent(ctx);
    }
    const refused = await cli('format', 'delete', 'my-vendor');
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/used by destination\(s\) custom/);
  });

  it('clones straight into the store and deletes a custom format nobody uses; built-in formats cannot be deleted', async () => {
    expect((await cli('format', 'clone', 'clever', 'clever-district')).out).toContain('cloned as custom format clever-district');
    expect((await cli('format', 'clone', 'clever', 'clever-district')).err).toMatch(/already exists/);
    const shown = JSON.parse((await cli('--json', 'format', 'show', 'clever-district')).out) as FormatDef;
    expect(shown.files.map((f) => f.name)).toEqual(['schools.csv', 'students.csv', 'teachers.csv', 'sections.csv', 'enrollments.csv']);
    expect((await cli('format', 'delete', 'clever-district')).out).toContain('Custom format clever-district deleted.');
    expect((await cli('format', 'delete', 'clever')).err).toMatch(/built-in format and cannot be deleted/);
  });

  it('refuses invalid definitions with messages that name the path', async () => {
    const bad = structuredClone(BUILT_IN_FORMATS.find((f) => f.id === 'demographics-yn')!) as unknown as {
      id: string;
      files: { columns: { rule?: { pattern?: string } }[]; key: string[] }[];
    };
    bad.id = 'broken';
    bad.files[0]!.columns[0]!.rule = { pattern: '(\\d{10}' };
    bad.files[0]!.key = ['SSID', 'nope'];
    const file = join(work, 'broken.json');
    writeFileSync(file, JSON.stringify(bad));
    const result = await cli('format', 'import', file);
    expect(result.code).toBe(2);
    expect(result.err).toContain('files[0].columns[0].rule.pattern: not a valid regular expression');
    expect(result.err).toContain('files[0].key[1]: nope is not a column of demographics.csv');
    const check = await cli('format', 'validate', file);
    expect(check.code).toBe(1);

    writeFileSync(join(work, 'builtin.yaml'), YAML.stringify(BUILT_IN_FORMATS[0]));
    expect((await cli('format', 'import', join(work, 'builtin.yaml'))).err).toMatch(/id: "oneroster-1.1" is a built-in format/);
  });
});

describe('a stored custom format that is no longer valid', () => {
  it('is listed as invalid and a run using it fails with the reason, before reading the SIS', async () => {
    const ctx = openAgent(home);
    try {
      const broken = { ...structuredClone(BUILT_IN_FORMATS.find((f) => f.id === 'demographics-yn')!), id: 'stale-format' } as unknown as { files: { columns: { rule?: object }[] }[] };
      broken.files[0]!.columns[0]!.rule = { pattern: '([0-9]' };
      // Written straight into the tables, as an older RosterSync that did not check custom formats left them: the store's save refuses both now.
      expect(() => ctx.store.saveCustomFormat('stale-format', broken)).toThrow(/files\[0\]\.columns\[0\]\.rule\.pattern: not a valid regular expression/);
      const stale = destinationConfigSchema.parse({ name: 'stale', source: 'tiny', format: 'stale-format', type: 'folder', settings: { path: join(work, 'stale') } });
      onStoreFile(ctx.store, (db) => db.prepare('INSERT INTO custom_formats (id, definition, updated_at) VALUES (?, ?, ?)').run('stale-format', JSON.stringify(broken), new Date().toISOString()));
      expect(() => ctx.store.saveDestination(stale)).toThrow(/format: custom format "stale-format": files\[0\]/);
      onStoreFile(ctx.store, (db) => db.prepare('INSERT INTO destinations (name, config, updated_at) VALUES (?, ?, ?)').run('stale', JSON.stringify(stale), new Date().toISOString()));
      const run = await runDestination(ctx, 'stale', { trigger: 'manual' });
      expect(run.status).toBe('failed');
      expect(run.message).toMatch(/custom format "stale-format": files\[0\]\.columns\[0\]\.rule\.pattern: not a valid regular expression/);
    } finally {
      closeAgent(ctx);
    }
    expect((await cli('format', 'list')).out).toMatch(/stale-format\s+INVALID\s+custom format "stale-format": files\[0\]/);
    expect((await cli('format', 'show', 'stale-format')).err).toMatch(/not a valid regular expression/);
  });
});

describe('custom formats in the configuration file', () => {
  const base = { version: 1, sources: [], destinations: [] };

  it('accepts a valid custom format', () => {
    const custom = { ...structuredClone(BUILT_IN_FORMATS.find((f) => f.id === 'flat-roster')!), id: 'flat-roster-district' };
    const parsed = parseConfigText(JSON.stringify({ ...base, customFormats: [custom] }), 'rostersync.json');
    expect(parsed.customFormats[0]!.id).toBe('flat-roster-district');
  });

  it('names the custom format and the path of the problem', () => {
    const custom = structuredClone(BUILT_IN_FORMATS.find((f) => f.id === 'clever')!) as unknown as { id: string; files: { columns: { rule?: object }[]; references?: { file: string }[] }[]; optionEffects?: unknown };
    custom.id = 'clever-x';
    custom.files[1]!.columns[3]!.rule = { pattern: '[0-9' };
    custom.files[4]!.references![1]!.file = 'section.csv';
    custom.optionEffects = [{ option: 'nope', equals: true }];
    expect(() => parseConfigText(YAML.stringify({ ...base, customFormats: [custom] }), 'rostersync.yaml')).toThrow(
      /rostersync\.yaml: customFormats\[0\]: files\[1\]\.columns\[3\]\.rule\.pattern: not a valid regular expression.*files\[4\]\.references\[1\]\.file: section\.csv is not a file of this format.*optionEffects\[0\]\.option: nope is not one of the format's options/,
    );
  });

  it('refuses a destination whose format does not exist on import', async () => {
    const file = join(work, 'config.yaml');
    writeFileSync(
      file,
      YAML.stringify({
        ...base,
        sources: [{ name: 'sis', type: 'sqlite', settings: { path: '/x.db' } }],
        destinations: [{ name: 'd', source: 'sis', format: 'not-a-format', type: 'folder', settings: { path: '/tmp/x' } }],
      }),
    );
    const result = await cli('config', 'import', file);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/destinations\[0\]\.format: Unknown format "not-a-format"/);
  });
});
