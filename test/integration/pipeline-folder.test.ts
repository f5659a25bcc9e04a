/**
 * An export-folder SIS through the whole pipeline: the demo district's entities dropped as files the
 * way SIS exports look (BOM, UTF-16, headers spelled "Student ID"), synced to OneRoster, compared byte
 * for byte with the same district read straight from its database; processed files archived; a missing
 * file stops the run before any row is read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import { openAgent, closeAgent, type AgentContext } from '../../src/home/context.js';
import { setupDemo, DEMO_DESTINATION } from '../../src/agent/demo.js';
import { DEMO_QUERIES } from '../../src/demo/queries.js';
import { getSourceDriver } from '../../src/sources/registry.js';
import { approveHeldRun, runDestination } from '../../src/agent/runner.js';
import { destinationConfigSchema, sourceConfigSchema } from '../../src/shared/config.schema.js';
import type { Entity } from '../../src/shared/format.js';

let ctx: AgentContext;
let exportDir: string;
const entities = Object.keys(DEMO_QUERIES) as Entity[];
/** "student_id" → "Student ID": how SIS exports often title their columns. */
const titled = (field: string): string => field.split('_').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(' ');

beforeAll(async () => {
  ctx = openAgent(mkdtempSync(join(tmpdir(), 'rs-folder-pipeline-')));
  const demo = await setupDemo(ctx);
  exportDir = join(ctx.layout.home, 'exports');
  mkdirSync(exportDir);
  const sqlite = await getSourceDriver('sqlite').open({ path: demo.sisPath }, {});
  for (const entity of entities) {
    const rows: (string | null)[][] = [];
    let header: string[] = [];
    for await (const { row } of sqlite.read({ entity, query: DEMO_QUERIES[entity] })) {
      if (!header.length) header = Object.keys(row);
      rows.push(header.map((h) => row[h] ?? ''));
    }
    const text = stringify([header.map(titled), ...rows], { record_delimiter: 'windows' });
    // A mix of encodings as different SIS exports produce them.
    const bytes =
      entity === 'students' ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')])
      : entity === 'teachers' ? Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(text, 'utf16-le')])
      : Buffer.from(text, 'utf8');
    writeFileSync(join(exportDir, `${entity}.csv`), bytes);
  }
  await sqlite.close();

  ctx.store.saveSource(
    sourceConfigSchema.parse({
      name: 'export-folder',
      type: 'folder',
      settings: { path: exportDir, quietPeriodSeconds: 0, afterProcessing: 'archive' },
      entities: Object.fromEntries(entities.map((e) => [e, { file: `${e}.csv` }])),
    }),
  );
  ctx.store.saveDestination(
    destinationConfigSchema.parse({
      name: 'from-folder',
      source: 'export-folder',
      format: 'oneroster-1.1',
      type: 'folder',
      settings: { path: join(ctx.layout.home, 'outbox-folder') },
    }),
  );
  ctx.store.replaceSiteMap('from-folder', ctx.store.getSiteMap(DEMO_DESTINATION));
});
afterAll(() => closeAgent(ctx));

describe('export folder → OneRoster', () => {
  it('produces the same files as reading the SIS database, and archives the processed export', async () => {
    const fromDb = await runDestination(ctx, DEMO_DESTINATION, { trigger: 'manual' });
    const fromFolder = await runDestination(ctx, 'from-folder', { trigger: 'manual' });
    expect(fromDb.status).toBe('success');
    expect(fromFolder.status, fromFolder.message).toBe('success');
    const dbFiles = new Map(fromDb.files.map((f) => [f.name, f.sha256]));
    for (const f of fromFolder.files) expect(f.sha256, f.name).toBe(dbFiles.get(f.name));
    expect(fromFolder.files.length).toBe(fromDb.files.length);
    // findings point at export files and lines
    expect(fromFolder.findings.find((f) => f.origin)?.origin).toMatch(/\.csv line \d+/);
    // the files this run read were moved to the archive; roster.csv, which OneRoster does not use, stays
    expect(readdirSync(exportDir).filter((n) => n.endsWith('.csv'))).toEqual(['roster.csv']);
    const archived = readdirSync(join(exportDir, 'archive'));
    expect(archived).toHaveLength(1);
    expect(readdirSync(join(exportDir, 'archive', archived[0]!))).toEqual(expect.arrayContaining(['students.csv', 'teachers.csv']));
    expect(ctx.store.getRunDetail(fromFolder.runId)!.events.some((e) => /Archived \d+ export file/.test(e.message))).toBe(true);
  });

  it('does not start reading when an expected file is missing, and says which file and where', async () => {
    const before = existsSync(join(ctx.layout.home, 'outbox-folder', 'users.csv')) ? readFileSync(join(ctx.layout.home, 'outbox-folder', 'users.csv')) : null;
    const result = await runDestination(ctx, 'from-folder', { trigger: 'arrival' });
    expect(result.status).toBe('failed');
    expect(result.message).toMatch(/schools\.csv/);
    expect(result.message).toContain(exportDir);
    const detail = ctx.store.getRunDetail(result.runId)!;
    expect(detail.events.some((e) => e.stage === 'source' && /read \d+/.test(e.message))).toBe(false);
    expect(detail.files).toEqual([]);
    if (before) expect(readFileSync(join(ctx.layout.home, 'outbox-folder', 'users.csv'))).toEqual(before);
  });

  it('archives the export once a held run is approved', async () => {
    // bring the archived set back as "tonight's" export, with one student renamed
    const archived = join(exportDir, 'archive', readdirSync(join(exportDir, 'archive'))[0]!);
    for (const name of readdirSync(archived)) writeFileSync(join(exportDir, name), readFileSync(join(archived, name)));
    const students = parse(readFileSync(join(exportDir, 'students.csv')), { bom: true }) as string[][];
    students[1]![students[0]!.indexOf('First Name')] = 'Renamed';
    writeFileSync(join(exportDir, 'students.csv'), stringify(students, { record_delimiter: 'windows' }));
    const d = ctx.store.getDestination('from-folder')!;
    ctx.store.saveDestination({ ...d, guard: { ...d.guard, maxChangedShare: 0, minRecordsForShare: 0 } });
    const held = await runDestination(ctx, 'from-folder', { trigger: 'manual' });
    expect(held.status, held.message).toBe('held');
    expect(readdirSync(exportDir)).toContain('students.csv');
    const approved = await approveHeldRun(ctx, held.runId);
    expect(approved.status, approved.message).toBe('success');
    expect(readdirSync(exportDir).filter((n) => n.endsWith('.csv'))).toEqual(['roster.csv']);
    expect(ctx.store.getRunDetail(held.runId)!.events.some((e) => /Archived \d+ export file/.test(e.message))).toBe(true);
    ctx.store.saveDestination(d);
  });

  it('an archive that fails is a warning on the delivered run, never a silent success', async () => {
    // tonight's export again, and an archive path that cannot be a folder
    const archived = join(exportDir, 'archive', readdirSync(join(exportDir, 'archive'))[0]!);
    for (const name of readdirSync(archived)) writeFileSync(join(exportDir, name), readFileSync(join(archived, name)));
    const blocker = join(ctx.layout.home, 'archive-is-a-file');
    writeFileSync(blocker, 'x');
    const source = ctx.store.getSource('export-folder')!;
    ctx.store.saveSource({ ...source, settings: { ...source.settings, archivePath: blocker } });
    try {
      const result = await runDestination(ctx, 'from-folder', { trigger: 'manual' });
      expect(result.status, result.message).toBe('success');
      expect(result.message).toMatch(/Delivered, but the source's files could not be archived: .* The next run may read the same files again\.$/);
      const archive = result.findings.filter((f) => f.rule === 'archive');
      expect(archive).toEqual([expect.objectContaining({ severity: 'warning', file: 'export-folder' })]);
      expect(ctx.store.getRun(result.runId)!.warnings).toBe(result.warnings);
      expect(readdirSync(exportDir)).toContain('students.csv');
    } finally {
      ctx.store.saveSource(source);
    }
  });
});
