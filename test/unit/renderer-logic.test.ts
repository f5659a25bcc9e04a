/**
 * The admin GUI's pure logic: which mapping applies to a column and whether it really gets a
 * value, immutable mapping edits, transform steps in words, finding lookups for the preview,
 * site-map checks, hash routes and when a form counts as changed.
 */
import { describe, expect, it } from 'vitest';
import {
  columnState,
  countOverrides,
  describeMapping,
  describeStep,
  findingIndex,
  findingKey,
  getOverride,
  isRequiredProblem,
  modeOf,
  referencedFields,
  setOverride,
  TRANSFORM_PRESETS,
} from '../../renderer/src/lib/mapping.js';
import { findProblems } from '../../renderer/src/lib/site-map.js';
import { href, parseRoute } from '../../renderer/src/lib/routes.js';
import { sameFormValue } from '../../renderer/src/lib/form-value.js';
import { TRANSFORM_OPS, transformStepSchema } from '../../src/shared/transform.js';
import type { MappingTable } from '../../src/shared/config.schema.js';

const ref = { file: 'users.csv', entity: 'students' as const, column: 'givenName' };

describe('mapping modes', () => {
  it('no override means the format default, or unmapped when the format has none', () => {
    expect(modeOf(undefined, { from: 'first_name' })).toBe('default');
    expect(modeOf(undefined, null)).toBe('unmapped');
    expect(modeOf(undefined, { const: '' })).toBe('unmapped');
  });
  it('an override is a source column, a fixed value, a combination or empty', () => {
    expect(modeOf({ from: 'nickname' }, null)).toBe('field');
    expect(modeOf({ const: 'school' }, null)).toBe('const');
    expect(modeOf({ template: '{first} {last}' }, null)).toBe('template');
    expect(modeOf({ const: '' }, { from: 'x' })).toBe('blank');
    expect(modeOf({ const: '', transforms: [{ op: 'default', value: 'n/a' }] }, null)).toBe('const');
  });
});

describe('column state against the fields the source returns', () => {
  const fields = ['student_id', 'First_Name', 'last_name', 'email'];
  it('a field the source returns is mapped (names compare case-insensitively)', () => {
    expect(columnState({ from: 'first_name' }, fields)).toEqual({ kind: 'ok' });
    expect(columnState({ const: 'student' }, fields)).toEqual({ kind: 'ok' });
  });
  it('alternatives need one known field; a template needs all of them', () => {
    expect(columnState({ from: 'username|email' }, fields)).toEqual({ kind: 'ok' });
    expect(columnState({ from: 'username|login' }, fields)).toEqual({ kind: 'missing-field', fields: ['username', 'login'] });
    expect(columnState({ template: '{first_name} {nick}' }, fields)).toEqual({ kind: 'missing-field', fields: ['nick'] });
  });
  it('nothing, or an explicit empty value, is reported as such', () => {
    expect(columnState(null, fields)).toEqual({ kind: 'unmapped' });
    expect(columnState({ const: '' }, fields)).toEqual({ kind: 'blank' });
  });
  it('an entity the source has no query for produces no rows', () => {
    expect(columnState({ from: 'first_name' }, undefined)).toEqual({ kind: 'no-entity' });
  });
  it('required columns sent empty are problems; optional ones and absent entities are not', () => {
    expect(isRequiredProblem(true, { kind: 'unmapped' })).toBe(true);
    expect(isRequiredProblem(true, { kind: 'blank' })).toBe(true);
    expect(isRequiredProblem(true, { kind: 'missing-field', fields: ['x'] })).toBe(true);
    expect(isRequiredProblem(true, { kind: 'ok' })).toBe(false);
    expect(isRequiredProblem(true, { kind: 'no-entity' })).toBe(false);
    expect(isRequiredProblem(false, { kind: 'unmapped' })).toBe(false);
  });
  it('lists the fields a mapping reads', () => {
    expect(referencedFields({ from: 'a | b' })).toEqual(['a', 'b']);
    expect(referencedFields({ template: '{x}-{ y }' })).toEqual(['x', 'y']);
    expect(referencedFields({ const: 'k' })).toEqual([]);
  });
});

describe('mapping edits', () => {
  it('sets and removes one override without touching the input, pruning empty branches', () => {
    const empty: MappingTable = {};
    const one = setOverride(empty, ref, { from: 'nickname' });
    expect(empty).toEqual({});
    expect(getOverride(one, ref)).toEqual({ from: 'nickname' });
    const two = setOverride(one, { ...ref, column: 'familyName' }, { from: 'last_name' });
    expect(countOverrides(two)).toBe(2);
    expect(countOverrides(one)).toBe(1);
    const back = setOverride(setOverride(two, ref, undefined), { ...ref, column: 'familyName' }, undefined);
    expect(back).toEqual({});
  });
});

describe('transforms in words', () => {
  it('every preset is a valid transform step', () => {
    for (const preset of TRANSFORM_PRESETS) expect(transformStepSchema.safeParse(preset.step).success, preset.id).toBe(true);
  });
  it('describes every op', () => {
    const samples = {
      trim: { op: 'trim' }, upper: { op: 'upper' }, lower: { op: 'lower' }, title: { op: 'title' },
      map: { op: 'map', table: { a: 'b' } }, grade: { op: 'grade', style: 'oneroster' }, gender: { op: 'gender', style: 'letter' },
      bool: { op: 'bool', style: 'yn' }, date: { op: 'date', format: 'm/d/yyyy' }, phone: { op: 'phone', style: 'e164' },
      siteId: { op: 'siteId' }, siteLabel: { op: 'siteLabel' }, multi: { op: 'multi', split: ';', join: ',', max: 6 },
      default: { op: 'default', value: 'x' }, prefix: { op: 'prefix', value: 'p' }, suffix: { op: 'suffix', value: 's' },
      digits: { op: 'digits', pad: 10 }, truncate: { op: 'truncate', max: 60 }, replace: { op: 'replace', pattern: 'a', with: 'b' },
      when: { op: 'when', field: 'race', in: ['W'], then: 'true', else: 'false' }, blank: { op: 'blank' },
      race: { op: 'race', category: 'white' }, domain: { op: 'domain', option: 'usernameDomain' },
    } as const;
    expect(Object.keys(samples).sort()).toEqual([...TRANSFORM_OPS].sort());
    for (const step of Object.values(samples)) expect(describeStep(step)).not.toBe('');
    expect(describeStep(samples.date)).toBe('date → m/d/yyyy');
    expect(describeStep(samples.multi)).toBe('list “;” → “,” (max 6)');
    expect(describeStep(samples.domain)).toBe('add @domain (option usernameDomain)');
  });
  it('describes a whole mapping', () => {
    expect(describeMapping({ from: 'school_code', transforms: [{ op: 'trim' }, { op: 'siteId' }] })).toBe('school_code → trim → school → site ID');
    expect(describeMapping({ const: 'school' })).toBe('“school”');
    expect(describeMapping({ const: '' })).toBe('(empty)');
    expect(describeMapping(null)).toBe('not mapped');
  });
});

describe('preview findings by cell', () => {
  it('keeps the worst severity and every message of a cell', () => {
    const index = findingIndex([
      { file: 'users.csv', row: 2, column: 'email', severity: 'warning', message: 'long' },
      { file: 'users.csv', row: 2, column: 'email', severity: 'error', message: 'not an email' },
      { file: 'users.csv', row: 3, column: 'email', severity: 'warning', message: 'long' },
    ]);
    expect(index.get(findingKey('users.csv', 2, 'email'))).toEqual({ severity: 'error', messages: ['long', 'not an email'] });
    expect(index.get(findingKey('users.csv', 3, 'email'))?.severity).toBe('warning');
    expect(index.get(findingKey('users.csv', 1, 'email'))).toBeUndefined();
  });
});

describe('site map checks', () => {
  it('names empty codes and IDs and duplicate codes by row', () => {
    expect(findProblems([{ schoolCode: '001', siteId: 'A', label: '' }])).toEqual([]);
    expect(
      findProblems([
        { schoolCode: '001', siteId: 'A', label: '' },
        { schoolCode: ' ', siteId: 'B', label: '' },
        { schoolCode: '002', siteId: '', label: '' },
        { schoolCode: '001', siteId: 'C', label: '' },
      ]),
    ).toEqual(['Row 2: the school code is empty.', 'Row 3 (002): the site ID is empty.', 'Rows 1 and 4: school code 001 appears twice.']);
  });
});

describe('hash routes', () => {
  it('parses screens and parameters; anything else is the dashboard', () => {
    expect(parseRoute('#/history/12')).toEqual({ screen: 'history', params: ['12'] });
    expect(parseRoute('#/sources/%2Bnew')).toEqual({ screen: 'sources', params: ['+new'] });
    expect(parseRoute('#key=abc')).toEqual({ screen: 'dashboard', params: [] });
    expect(parseRoute('')).toEqual({ screen: 'dashboard', params: [] });
    expect(parseRoute('#/nowhere')).toEqual({ screen: 'dashboard', params: [] });
  });
  it('builds what it parses', () => {
    expect(href('sitemap', 'vendor one')).toBe('#/sitemap/vendor%20one');
    expect(parseRoute(href('mapping', 'a/b'))).toEqual({ screen: 'mapping', params: ['a/b'] });
  });
});

describe('unsaved changes: a form differs from what was loaded or saved', () => {
  const loaded = { name: 'sis', settings: { host: 'db', port: 5432 }, entities: { students: { query: 'SELECT 1' } }, tags: ['a', 'b'] };

  it('an edit is a change; editing it back is not', () => {
    expect(sameFormValue({ ...loaded, name: 'sis2' }, loaded)).toBe(false);
    const edited = { ...loaded, name: 'sis2' };
    expect(sameFormValue({ ...edited, name: 'sis' }, loaded)).toBe(true);
    expect(sameFormValue({ ...loaded, settings: { host: 'db', port: 5433 } }, loaded)).toBe(false);
    expect(sameFormValue({ ...loaded, tags: ['b', 'a'] }, loaded)).toBe(false);
  });

  it('key order, an emptied text field and a property left out are all the same', () => {
    expect(sameFormValue({ settings: { port: 5432, host: 'db' }, tags: ['a', 'b'], entities: { students: { query: 'SELECT 1' } }, name: 'sis' }, loaded)).toBe(true);
    expect(sameFormValue({ ...loaded, description: '' }, loaded)).toBe(true);
    expect(sameFormValue({ ...loaded, profile: undefined }, loaded)).toBe(true);
    expect(sameFormValue({ ...loaded, description: 'x' }, loaded)).toBe(false);
  });

  it('numbers, booleans and null are compared as they are', () => {
    expect(sameFormValue({ days: 365, on: false }, { days: 365, on: false })).toBe(true);
    expect(sameFormValue({ days: 365, on: true }, { days: 365, on: false })).toBe(false);
    expect(sameFormValue({ days: null }, { days: 0 })).toBe(false);
    expect(sameFormValue([{ schoolCode: '003' }], [{ schoolCode: '3' }])).toBe(false);
  });
});
