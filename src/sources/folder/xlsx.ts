/**
 * Excel (.xlsx) export files, streamed with exceljs's WorkbookReader (rows are parsed as the
 * zip entry is read; the workbook is never held in memory). Every cell becomes text: dates
 * `YYYY-MM-DD`, numbers formatted with a zero-padded format (`00000`) keep their leading zeros.
 */
import path from 'node:path';
import type ExcelJS from 'exceljs';
import { DEFAULT_MAX_FIELD_LENGTH, fieldTooLong, formatDate } from '../common.js';
import type { Row, SourcedRow } from '../types.js';
import { SourceError } from '../types.js';
import { matchHeaders } from './headers.js';

/** Text of one cell value as Excel would show an unformatted value. */
export function cellText(value: unknown, numFmt?: string): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') {
    // "00000" / "000000000": identifiers stored as numbers with their zeros as a display format
    if (numFmt && /^0+$/.test(numFmt) && Number.isInteger(value)) return String(value).padStart(numFmt.length, '0');
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Date) return formatDate(value);
  if (typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (Array.isArray(v.richText)) return (v.richText as { text?: string }[]).map((t) => t.text ?? '').join('');
    if ('result' in v) return cellText(v.result, numFmt);
    if ('formula' in v || 'sharedFormula' in v) return '';
    if ('text' in v) return cellText(v.text, numFmt);
    if ('error' in v) return String(v.error);
  }
  return String(value);
}

/** Streams the rows of the chosen worksheet (by name, or the first one) as text Rows keyed by matched headers. */
export async function* readXlsx(
  file: string,
  sheet: string,
  expected: readonly string[],
  signal?: AbortSignal,
  maxFieldLength = DEFAULT_MAX_FIELD_LENGTH,
): AsyncGenerator<SourcedRow> {
  const name = path.basename(file);
  // exceljs takes ~0.3 s to load: only when an export folder holds a workbook.
  const { default: excel } = await import('exceljs');
  const reader = new excel.stream.xlsx.WorkbookReader(file, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    styles: 'cache',
    hyperlinks: 'ignore',
    entries: 'ignore',
  });
  let found = false;
  const seen: string[] = [];
  try {
    for await (const worksheet of reader) {
      const ws = worksheet as unknown as { name: string } & AsyncIterable<ExcelJS.Row>;
      seen.push(ws.name);
      if (found || (sheet !== '' && ws.name.trim().toLowerCase() !== sheet.trim().toLowerCase())) continue;
      found = true;
      let header: string[] | undefined;
      let width = 0;
      for await (const row of ws) {
        if (signal?.aborted) throw new SourceError('The read was cancelled.', 'timeout');
        const values: string[] = [];
        const count = Math.max(row.cellCount, width);
        for (let c = 1; c <= count; c++) {
          const cell = row.getCell(c);
          values.push(cellText(cell.value, cell.numFmt));
        }
        if (values.every((v) => v.trim() === '')) continue;
        const long = values.findIndex((v) => v.length > maxFieldLength);
        if (long !== -1) throw fieldTooLong(`${name} row ${row.number}`, header?.[long] ?? `${long + 1} of the header`, values[long]!.length, maxFieldLength);
        if (!header) {
          while (values.length > 1 && values[values.length - 1].trim() === '') values.pop();
          header = matchHeaders(values, expected);
          width = header.length;
          continue;
        }
        if (values.slice(width).some((v) => v.trim() !== '')) {
          throw new SourceError(`${name} row ${row.number}: a value stands right of the last header column. Give that column a header or clear it.`, 'bad-file');
        }
        const out: Row = {};
        for (let k = 0; k < width; k++) out[header[k]] = values[k] ?? '';
        yield { row: out, origin: `${name} row ${row.number}` };
      }
      if (!header) throw new SourceError(`${name}: the worksheet "${ws.name}" is empty. Expected a header row with the column names.`, 'bad-file');
    }
  } catch (error) {
    if (error instanceof SourceError) throw error;
    throw new SourceError(`${name} cannot be read as an Excel .xlsx workbook: ${(error as Error).message}`, 'bad-file');
  }
  if (!found) {
    throw new SourceError(
      sheet ? `${name} has no worksheet named "${sheet}" (it has: ${seen.join(', ') || 'none'}).` : `${name} has no worksheet.`,
      'bad-file',
    );
  }
}
