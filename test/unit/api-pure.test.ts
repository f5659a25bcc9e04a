/** Pure parts of the API: request guards, dashboard status, mapping suggestions, static path resolution. */
import { describe, expect, it } from 'vitest';
import { join, resolve } from 'node:path';
import { bearerToken, checkKey, checkOrigin } from '../../src/api/http-guard.js';
import { destinationStatus, overallStatus } from '../../src/api/status.js';
import { mappingFields, omittedFiles, rankFields, suggestColumns } from '../../src/api/mapping-suggest.js';
import { nameSimilarity, nameTokens } from '../../src/shared/field-names.js';
import { resolveStaticPath } from '../../src/home/install.js';
import { oneRoster11 } from '../../src/formats/oneroster-1.1.js';
import type { RunStatus, RunSummary } from '../../src/shared/run.js';

describe('http guard', () => {
  it('accepts only the loopback origin on the server port', () => {
    expect(checkOrigin({ host: '127.0.0.1:8000' }, 8000)).toBeUndefined();
    expect(checkOrigin({ host: 'LOCALHOST:8000', origin: 'http://localhost:8000' }, 8000)).toBeUndefined();
    expect(checkOrigin({ host: 'rebind.example:8000' }, 8000)?.code).toBe('forbidden');
    expect(checkOrigin({}, 8000)?.code).toBe('forbidden');
    expect(checkOrigin({ host: '127.0.0.1:8000', origin: 'http://127.0.0.1:8001' }, 8000)?.code).toBe('forbidden');
    expect(checkOrigin({ host: '127.0.0.1:8000', 'sec-fetch-site': 'same-site' }, 8000)?.code).toBe('forbidden');
    expect(checkOrigin({ host: '127.0.0.1:8000', 'sec-fetch-site': 'none' }, 8000)).toBeUndefined();
  });

  it('reads the bearer token and compares it', () => {
    expect(bearerToken({ authorization: 'Bearer abc' })).toBe('abc');
    expect(bearerToken({ authorization: 'bearer   abc  ' })).toBe('abc');
    expect(bearerToken({ authorization: 'Basic abc' })).toBeUndefined();
    expect(checkKey({ authorization: `Bearer ${'k'.repeat(40)}` }, 'j'.repeat(40))?.code).toBe('unauthorized');
    expect(checkKey({ authorization: `Bearer ${'k'.repeat(40)}` }, 'k'.repeat(40))).toBeUndefined();
    expect(checkKey({}, 'k'.repeat(40))?.message).toMatch(/missing/);
  });
});

const run = (id: number, status: RunStatus, dryRun = false): RunSummary => ({
  id,
  destination: 'd',
  trigger: 'manual',
  status,
  dryRun,
  startedAt: '2026-01-01T00:00:00Z',
  endedAt: null,
  errors: 0,
  warnings: 0,
  rows: 0,
  message: null,
});

describe('destination status', () => {
  it('follows the latest real run', () => {
    expect(destinationStatus(true, [])).toBe('never');
    expect(destinationStatus(false, [])).toBe('disabled');
    expect(destinationStatus(true, [run(2, 'failed'), run(1, 'success')])).toBe('failed');
    expect(destinationStatus(true, [run(2, 'success'), run(1, 'failed')])).toBe('ok');
    expect(destinationStatus(true, [run(2, 'partial')])).toBe('ok');
    expect(destinationStatus(true, [run(3, 'failed', true), run(2, 'success')])).toBe('ok');
    expect(destinationStatus(true, [run(3, 'discarded'), run(2, 'failed')])).toBe('discarded');
    expect(destinationStatus(true, [run(4, 'skipped'), run(3, 'discarded'), run(2, 'failed')])).toBe('discarded');
    expect(destinationStatus(true, [run(3, 'success'), run(2, 'held')])).toBe('held');
    expect(destinationStatus(true, [run(3, 'running'), run(2, 'held')])).toBe('running');
  });

  it('takes the worst across destinations', () => {
    expect(overallStatus([])).toBe('never');
    expect(overallStatus(['ok', 'held', 'never'])).toBe('held');
    expect(overallStatus(['held', 'failed'])).toBe('failed');
    expect(overallStatus(['failed', 'running'])).toBe('running');
    expect(overallStatus(['disabled'])).toBe('never');
    expect(overallStatus(['disabled', 'ok'])).toBe('ok');
  });
});

describe('mapping suggestions', () => {
  it('splits names into comparable words', () => {
    expect(nameTokens('orgSourcedIds')).toEqual(['school', 'id', 'id']);
    expect(nameTokens('first_name')).toEqual(['first', 'name']);
    expect(nameTokens('givenName')).toEqual(['first', 'name']);
    expect(nameTokens('SIS_School_Code')).toEqual(['sis', 'school', 'id']);
  });

  it('scores close names high and unrelated names low', () => {
    expect(nameSimilarity('givenName', 'first_name')).toBe(0.95);
    expect(nameSimilarity('familyName', 'LastName')).toBe(0.95);
    expect(nameSimilarity('email', 'EMAIL')).toBe(1);
    expect(nameSimilarity('email', 'student_email')).toBeGreaterThan(0.4);
    expect(nameSimilarity('givenName', 'grade')).toBeLessThan(0.34);
  });

  it('ranks fields, with the format default first', () => {
    const fields = ['stu_id', 'first_name', 'nickname', 'last_name', 'grade'];
    expect(rankFields('givenName', fields)[0]).toEqual({ field: 'first_name', score: 0.95 });
    expect(rankFields('sourcedId', fields, ['stu_id'])[0]).toEqual({ field: 'stu_id', score: 1 });
    expect(rankFields('zzz', fields)).toEqual([]);
  });

  it('reads the fields a default mapping uses', () => {
    expect(mappingFields({ from: 'username|email' })).toEqual(['username', 'email']);
    expect(mappingFields({ template: '{first_name} {last_name}' })).toEqual(['first_name', 'last_name']);
    expect(mappingFields(undefined)).toEqual([]);
  });

  it('covers every column of every file and entity, honouring option effects', () => {
    const fields = { students: ['student_id', 'first_name', 'last_name', 'email'], schools: ['school_code', 'name'] };
    const all = suggestColumns(oneRoster11, fields);
    const users = all.filter((c) => c.file === 'users.csv' && c.entity === 'students');
    expect(users.map((c) => c.column)).toEqual(oneRoster11.files.find((f) => f.name === 'users.csv')!.columns.map((c) => c.name));
    expect(users.find((c) => c.column === 'givenName')!.candidates[0]!.field).toBe('first_name');
    expect(all.some((c) => c.file === 'demographics.csv')).toBe(true);
    expect(omittedFiles(oneRoster11, { includeDemographics: false })).toEqual(new Set(['demographics.csv']));
    expect(suggestColumns(oneRoster11, fields, { includeDemographics: false }).some((c) => c.file === 'demographics.csv')).toBe(false);
    const current = suggestColumns(oneRoster11, fields, {}, { 'users.csv': { students: { givenName: { from: 'nickname' } } } });
    expect(current.find((c) => c.file === 'users.csv' && c.entity === 'students' && c.column === 'givenName')!.current).toEqual({ from: 'nickname' });
  });
});

describe('static path resolution', () => {
  const root = resolve('/srv/gui');
  it('keeps every path inside the renderer folder', () => {
    expect(resolveStaticPath(root, '/index.html')).toBe(join(root, 'index.html'));
    expect(resolveStaticPath(root, '/assets/app.js?v=1')).toBe(join(root, 'assets', 'app.js'));
    expect(resolveStaticPath(root, '/../etc/passwd')).toBe(join(root, 'etc', 'passwd'));
    expect(resolveStaticPath(root, '/%2e%2e/%2e%2e/etc/passwd')).toBe(join(root, 'etc', 'passwd'));
    expect(resolveStaticPath(root, '/a/../../b')).toBe(join(root, 'b'));
    expect(resolveStaticPath(root, '/%E0%A4%A')).toBeUndefined();
    expect(resolveStaticPath(root, '/x%00.js')).toBeUndefined();
  });
});
