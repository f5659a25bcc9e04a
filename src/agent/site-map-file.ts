/**
 * Site-ID map files: SIS school code → vendor site ID (+ label), as CSV or Excel (.xlsx).
 * Headers are matched loosely ("School Code", "sis_school_code", "Site ID", "Label"/"School Name").
 */
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import type ExcelJS from 'exceljs';

/** exceljs takes ~0.3 s to load: only when a workbook is read or written, not at every start. */
const loadExcel = async (): Promise<typeof ExcelJS> => (await import('exceljs')).default;
import type { SiteMapEntry } from '../shared/config.schema.js';

const HEADER_ALIASES: Record<keyof SiteMapEntry, readonly string[]> = {
  schoolCode: ['schoolcode', 'sisschoolcode', 'sisschoolid', 'schoolid', 'sischoolcode', 'code', 'sis code', 'siscode'],
  siteId: ['siteid', 'vendorsiteid', 'site', 'vendorid', 'vendorschoolid'],
  label: ['label', 'schoollabel', 'schoolname', 'name', 'sitename', 'sitelabel'],
};

const normalize = (header: string): string => header.replace(/^\uFEFF/, '').trim().toLowerCase().replace(/[^a-z0-9]/g, '');

function columnIndexes(header: readonly string[], where: string): Record<keyof SiteMapEntry, number> {
  const normalized = header.map(normalize);
  const find = (field: keyof SiteMapEntry): number => normalized.findIndex((h) => HEADER_ALIASES[field].some((a) => normalize(a) === h));
  const idx = { schoolCode: find('schoolCode'), siteId: find('siteId'), label: find('label') };
  if (idx.schoolCode < 0 || idx.siteId < 0) {
    throw new Error(
      `${where}: the header row must name a school code column and a site ID column (for example "school_code,site_id,label"); found: ${header.join(', ')}.`,
    );
  }
  return idx;
}

function toEntries(rows: readonly (readonly string[])[], where: string, firstDataLine: number): SiteMapEntry[] {
  if (!rows.length) throw new Error(`${where}: the file is empty; expected a header row and one row per school.`);
  const idx = columnIndexes(rows[0]!, where);
  const seen = new Map<string, number>();
  const entries: SiteMapEntry[] = [];
  rows.slice(1).forEach((row, i) => {
    const line = firstDataLine + i;
    if (row.every((c) => !String(c ?? '').trim())) return;
    const schoolCode = String(row[idx.schoolCode] ?? '').trim();
    const siteId = String(row[idx.siteId] ?? '').trim();
    const label = idx.label >= 0 ? String(row[idx.label] ?? '').trim() : '';
    if (!schoolCode) throw new Error(`${where} row ${line}: the school code is blank.`);
    if (!siteId) throw new Error(`${where} row ${line}: school ${schoolCode} has no site ID.`);
    const earlier = seen.get(schoolCode);
    if (earlier !== undefined) throw new Error(`${where} row ${line}: school code ${schoolCode} already appears on row ${earlier}.`);
    seen.set(schoolCode, line);
    entries.push({ schoolCode, siteId, label });
  });
  return entries;
}

export function parseSiteMapCsv(text: string, where = 'site map'): SiteMapEntry[] {
  const rows = parse(text.replace(/^\uFEFF/, ''), { relax_column_count: true, skip_empty_lines: true }) as string[][];
  return toEntries(rows, where, 2);
}

export function siteMapToCsv(entries: readonly SiteMapEntry[]): string {
  return stringify([['school_code', 'site_id', 'label'], ...entries.map((e) => [e.schoolCode, e.siteId, e.label])], { record_delimiter: 'windows' });
}

function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') {
    if ('text' in value && typeof value.text === 'string') return value.text;
    if ('result' in value) return cellText(value.result as ExcelJS.CellValue);
    if ('richText' in value) return value.richText.map((r) => r.text).join('');
    if (value instanceof Date) return value.toISOString().slice(0, 10);
  }
  return String(value);
}

export async function parseSiteMapXlsx(data: Buffer | ArrayBuffer, where = 'site map'): Promise<SiteMapEntry[]> {
  const workbook = new (await loadExcel()).Workbook();
  await workbook.xlsx.load(data as ArrayBuffer);
  const sheet = workbook.worksheets[0];
  if (!sheet) throw new Error(`${where}: the workbook has no sheet.`);
  const rows: string[][] = [];
  let firstRow = 0;
  sheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    if (!firstRow) firstRow = rowNumber;
    const values: string[] = [];
    for (let c = 1; c <= row.cellCount; c++) values.push(cellText(row.getCell(c).value));
    rows.push(values);
  });
  return toEntries(rows, `${where} (sheet ${sheet.name})`, firstRow + 1);
}

export async function siteMapToXlsx(entries: readonly SiteMapEntry[]): Promise<Buffer> {
  const workbook = new (await loadExcel()).Workbook();
  const sheet = workbook.addWorksheet('Site map');
  sheet.addRow(['school_code', 'site_id', 'label']);
  for (const e of entries) sheet.addRow([e.schoolCode, e.siteId, e.label]);
  sheet.getColumn(1).numFmt = '@';
  sheet.getColumn(2).numFmt = '@';
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** Reads a site map file by its extension (.csv or .xlsx). */
export async function parseSiteMapFile(name: string, data: Buffer): Promise<SiteMapEntry[]> {
  if (/\.xlsx$/i.test(name)) return parseSiteMapXlsx(data, name);
  if (/\.(csv|txt)$/i.test(name)) return parseSiteMapCsv(data.toString('utf8'), name);
  throw new Error(`${name}: a site map must be a .csv or .xlsx file.`);
}
