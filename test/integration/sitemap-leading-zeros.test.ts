/**
 * Site-map import against the SIS's own school codes (#15.6): the demo district's schools are
 * 003, 005 and 007; a vendor file that came back through Excel says 3, 5 and 7. The CLI refuses it
 * with exit 2 and names each code, pads with --fix-leading-zeros, keeps with --no-fix-leading-zeros;
 * with the source unreadable it still compares with the current map and says why. The API (the
 * GUI's import) reports the same finding, pads on request and refuses a save that did not choose.
 * Real demo SIS (SQLite) and a real HTTP server; nothing mocked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { main } from '../../src/cli/main.js';
import { closeAgent, openAgent, type AgentContext } from '../../src/home/context.js';
import { DEMO_DESTINATION, DEMO_SOURCE } from '../../src/agent/demo.js';
import { startApiServer, type ApiServer } from '../../src/api/server.js';
import { createFetchApi } from '../../src/shared/api-client.js';
import { ApiError, type Api } from '../../src/shared/api.contract.js';

const home = mkdtempSync(join(tmpdir(), 'rs-zeros-'));
const DEMO_MAP = [
  { schoolCode: '003', siteId: 'SITE-003', label: 'Lincoln Elementary School' },
  { schoolCode: '005', siteId: 'SITE-005', label: 'Cedar Ridge Middle School' },
  { schoolCode: '007', siteId: 'SITE-007', label: "O'Keeffe High School" },
];
/** What Excel saves when the codes were numbers: the zeros are gone. */
const STRIPPED_CSV = 'school_code,site_id,label\r\n3,V-3,Lincoln Elementary School\r\n5,V-5,Cedar Ridge Middle School\r\n7,V-7,O\'Keeffe High School\r\n';

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['node', 'rostersync', '--home', home, ...args], { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) });
  return { code, out, err };
}

function siteMap(): { schoolCode: string; siteId: string }[] {
  const ctx = openAgent(home);
  try {
    return ctx.store.getSiteMap(DEMO_DESTINATION).map(({ schoolCode, siteId }) => ({ schoolCode, siteId }));
  } finally {
    closeAgent(ctx);
  }
}

function saveMap(entries: typeof DEMO_MAP): void {
  const ctx = openAgent(home);
  ctx.store.replaceSiteMap(DEMO_DESTINATION, entries);
  closeAgent(ctx);
}

beforeAll(async () => {
  expect((await cli('demo', '--students', '120')).code).toBe(0);
  expect(siteMap().map((e) => e.schoolCode)).toEqual(['003', '005', '007']);
});
afterAll(() => {
  process.exitCode = 0;
  rmSync(home, { recursive: true, force: true });
});

describe('rostersync sitemap import: codes that lost their leading zeros', () => {
  const file = join(home, 'vendor-sites.csv');

  it('refuses with exit 2, names every code and what it was compared with, and changes nothing', async () => {
    // An empty map: the source alone must be enough to know 003, 005, 007.
    saveMap([]);
    writeFileSync(file, STRIPPED_CSV);
    const { code, err } = await cli('sitemap', 'import', file);
    expect(code).toBe(2);
    expect(err).toContain('School code 3 (Lincoln Elementary School) is 003 in the source: the leading zeros were probably lost (Excel drops them from numbers).');
    expect(err).toContain('School code 7 (O\'Keeffe High School) is 007 in the source');
    expect(err).toContain(`compared with the 3 school(s) of source ${DEMO_SOURCE}`);
    expect(err).toContain('3 school codes lost the leading zeros; nothing was imported. Pad to 003, 005, 007?');
    expect(err).toContain(`rostersync sitemap import ${file} --destination ${DEMO_DESTINATION} --fix-leading-zeros --home ${home}`);
    expect(siteMap()).toEqual([]);
  });

  it('--fix-leading-zeros saves 003, 005, 007 with the file’s site IDs', async () => {
    const { code, out } = await cli('sitemap', 'import', file, '--fix-leading-zeros');
    expect(code).toBe(0);
    expect(out).toContain('Padded 3 → 003, 5 → 005, 7 → 007');
    expect(out).toContain(`Site map of ${DEMO_DESTINATION}: 3 school(s) imported from ${file}.`);
    expect(siteMap()).toEqual([
      { schoolCode: '003', siteId: 'V-3' },
      { schoolCode: '005', siteId: 'V-5' },
      { schoolCode: '007', siteId: 'V-7' },
    ]);
  });

  it('--no-fix-leading-zeros imports the codes as written, and says what it kept', async () => {
    const { code, out } = await cli('--json', 'sitemap', 'import', file, '--no-fix-leading-zeros');
    expect(code).toBe(0);
    const result = JSON.parse(out) as { padded: unknown[]; lostLeadingZeros: { imported: string; padded: string }[] };
    expect(result.padded).toEqual([]);
    expect(result.lostLeadingZeros.map((f) => `${f.imported}→${f.padded}`)).toEqual(['3→003', '5→005', '7→007']);
    expect(siteMap().map((e) => e.schoolCode)).toEqual(['3', '5', '7']);
    saveMap(DEMO_MAP);
  });

  it('a file that matches the SIS imports without a question', async () => {
    writeFileSync(file, 'school_code,site_id\r\n003,A\r\n005,B\r\n007,C\r\n');
    const { code, err } = await cli('sitemap', 'import', file);
    expect(code).toBe(0);
    expect(err).toBe('');
    saveMap(DEMO_MAP);
  });

  it('with the source unreadable, says so and still finds the codes in the current site map', async () => {
    const ctx = openAgent(home);
    const source = ctx.store.getSource(DEMO_SOURCE)!;
    ctx.store.saveSource({ ...source, entities: { ...source.entities, schools: { query: 'SELECT no_such_column FROM schools' } } });
    closeAgent(ctx);
    writeFileSync(file, STRIPPED_CSV);
    try {
      const { code, err } = await cli('sitemap', 'import', file);
      expect(code).toBe(2);
      expect(err).toMatch(new RegExp(`Note: Source ${DEMO_SOURCE}: .*no_such_column.* Compared with the site map and the last run only\\.`));
      expect(err).toContain('School code 5 (Cedar Ridge Middle School) is 005 in the current site map');
      expect(err).toContain('compared with the 3 code(s) of the current site map');
    } finally {
      const again = openAgent(home);
      again.store.saveSource(source);
      closeAgent(again);
    }
  });
});

describe('API importSiteMap (the GUI’s import): the same finding', () => {
  let ctx: AgentContext;
  let server: ApiServer;
  let api: Api;
  beforeAll(async () => {
    ctx = openAgent(home);
    server = await startApiServer(ctx, { port: 0, host: '127.0.0.1', onError: (err) => console.error(err) });
    api = createFetchApi({ baseUrl: server.url, key: server.key, fetch });
  });
  afterAll(async () => {
    await server?.close();
    if (ctx) closeAgent(ctx);
  });

  /** The vendor's sheet with the codes typed as numbers (Excel's usual way of losing the zeros). */
  async function numbersWorkbook(): Promise<string> {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Sites');
    sheet.addRow(['School Code', 'Site ID', 'School Name']);
    sheet.addRow([3, 'X-3', 'Lincoln']);
    sheet.addRow([5, 'X-5', 'Cedar Ridge']);
    sheet.addRow([7, 'X-7', "O'Keeffe"]);
    return Buffer.from(await workbook.xlsx.writeBuffer()).toString('base64');
  }

  it('a dry import of Excel numbers returns the finding; asking for the fix returns padded codes', async () => {
    const contentBase64 = await numbersWorkbook();
    const dry = await api.importSiteMap({ destination: DEMO_DESTINATION, fileName: 'sites.xlsx', contentBase64, save: false });
    expect(dry.entries.map((e) => e.schoolCode)).toEqual(['3', '5', '7']);
    expect(dry.codeCheck.lostLeadingZeros.map((f) => [f.imported, f.padded, f.from])).toEqual([
      ['3', '003', 'source'],
      ['5', '005', 'source'],
      ['7', '007', 'source'],
    ]);
    expect(dry.codeCheck.comparedWith).toBe(`the 3 school(s) of source ${DEMO_SOURCE} and the 3 code(s) of the current site map`);
    expect(dry.codeCheck.notes).toEqual([]);
    const fixed = await api.importSiteMap({ destination: DEMO_DESTINATION, fileName: 'sites.xlsx', contentBase64, save: false, fixLeadingZeros: true });
    expect(fixed.entries.map((e) => e.schoolCode)).toEqual(['003', '005', '007']);
  });

  it('a save that did not choose is refused with the codes named; choosing saves', async () => {
    const contentBase64 = await numbersWorkbook();
    const refused = await api.importSiteMap({ destination: DEMO_DESTINATION, fileName: 'sites.xlsx', contentBase64 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).code).toBe('bad-request');
    expect((refused as ApiError).message).toContain('School code 3 (Lincoln) is 003 in the source');
    expect((refused as ApiError).message).toContain('Pad to 003, 005, 007? Send fixLeadingZeros true to pad them, or false to save the codes as written.');
    expect((await api.getSiteMap({ destination: DEMO_DESTINATION })).map((e) => e.siteId)).toEqual(['SITE-003', 'SITE-005', 'SITE-007']);

    const saved = await api.importSiteMap({ destination: DEMO_DESTINATION, fileName: 'sites.xlsx', contentBase64, fixLeadingZeros: true });
    expect(saved.entries).toEqual([
      { schoolCode: '003', siteId: 'X-3', label: 'Lincoln' },
      { schoolCode: '005', siteId: 'X-5', label: 'Cedar Ridge' },
      { schoolCode: '007', siteId: 'X-7', label: "O'Keeffe" },
    ]);
    expect(await api.unmappedSchools({ destination: DEMO_DESTINATION })).toEqual([]);
  });
});
