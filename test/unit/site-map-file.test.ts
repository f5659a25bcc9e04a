import { describe, expect, it } from 'vitest';
import { parseSiteMapCsv, parseSiteMapXlsx, siteMapToCsv, siteMapToXlsx } from '../../src/agent/site-map-file.js';

describe('site map files', () => {
  it('reads CSV with loosely spelled headers, a BOM and leading zeros', () => {
    const entries = parseSiteMapCsv('\uFEFF School Code ,Site ID,School Name\r\n007,S-7,"Lincoln, Elementary"\r\n012,S-12,\r\n');
    expect(entries).toEqual([
      { schoolCode: '007', siteId: 'S-7', label: 'Lincoln, Elementary' },
      { schoolCode: '012', siteId: 'S-12', label: '' },
    ]);
  });

  it('says which row is wrong', () => {
    expect(() => parseSiteMapCsv('school_code,site_id\n007,S7\n007,S8\n', 'map.csv')).toThrow('map.csv row 3: school code 007 already appears on row 2.');
    expect(() => parseSiteMapCsv('school_code,site_id\n007,\n', 'map.csv')).toThrow('map.csv row 2: school 007 has no site ID.');
    expect(() => parseSiteMapCsv('name,id\nx,y\n', 'map.csv')).toThrow(/must name a school code column and a site ID column/);
  });

  it('round-trips through CSV and Excel', async () => {
    const entries = [
      { schoolCode: '007', siteId: '00123', label: 'Zoë Académie' },
      { schoolCode: '12', siteId: 'B', label: 'He said "hi"' },
    ];
    expect(parseSiteMapCsv(siteMapToCsv(entries))).toEqual(entries);
    expect(await parseSiteMapXlsx(await siteMapToXlsx(entries))).toEqual(entries);
  });
});
