/**
 * CSV / TSV / pipe-delimited export files, streamed: bytes → iconv-lite decoder → csv-parse.
 * Every row keeps its file name and the line it starts on ("students.csv line 14"; the header is line 1).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse';
import iconv from 'iconv-lite';
import type { Row, SourcedRow } from '../types.js';
import { SourceError } from '../types.js';
import { fieldTooLong, recordByteLimit } from '../common.js';
import { describeInvalidUtf8, detectEncoding, iconvName, InvalidUtf8Error, StrictUtf8Decoder, type ConcreteEncoding } from './encoding.js';
import { matchHeaders } from './headers.js';
import type { FolderSettings } from './settings.js';

const HEAD_BYTES = 64 * 1024;
const CANDIDATES = [',', '\t', '|', ';'] as const;

export interface DelimitedFormat {
  readonly encoding: ConcreteEncoding;
  readonly bom: boolean;
  readonly delimiter: string;
}

async function readHead(file: string, bytes = HEAD_BYTES): Promise<Buffer> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Counts each candidate delimiter in the header line (outside quotes) and picks the most frequent. */
export function detectDelimiter(headerLine: string, fileName = ''): string {
  const counts = new Map<string, number>(CANDIDATES.map((c) => [c, 0]));
  let quoted = false;
  for (const ch of headerLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  }
  let best: string = /\.tsv$/i.test(fileName) ? '\t' : ',';
  let bestCount = counts.get(best) ?? 0;
  for (const [c, n] of counts) {
    if (n > bestCount) {
      best = c;
      bestCount = n;
    }
  }
  return best;
}

/** Encoding and delimiter of a text export file, detected unless configured. */
export async function sniffDelimited(file: string, settings: Pick<FolderSettings, 'encoding' | 'delimiter'>): Promise<DelimitedFormat> {
  const head = await readHead(file);
  const { encoding, bom } = detectEncoding(head, settings.encoding);
  // Only the header line is needed here: decoded leniently; the rows are decoded strictly by readDelimited.
  const text = iconv.decode(head, iconvName(encoding)).replace(/^\uFEFF/, '');
  const firstLine = text.split(/\r\n|\r|\n/, 1)[0] ?? '';
  const delimiter = settings.delimiter === 'auto' ? detectDelimiter(firstLine, file) : settings.delimiter;
  return { encoding, bom, delimiter };
}

const LINE_BREAKS = /\r\n|\r|\n/g;

function countLineBreaks(raw: string | undefined): number {
  return raw ? (raw.match(LINE_BREAKS)?.length ?? 0) : 0;
}

function describeDelimiter(d: string): string {
  return d === '\t' ? 'tab' : d === ',' ? 'comma' : d === '|' ? 'pipe' : d === ';' ? 'semicolon' : JSON.stringify(d);
}

function decoderFor(encoding: ConcreteEncoding): NodeJS.ReadWriteStream {
  // UTF-8 is decoded strictly (a bad byte stops the read); the other encodings decode every byte.
  return encoding === 'utf-8' ? new StrictUtf8Decoder() : iconv.decodeStream(iconvName(encoding), { stripBOM: true });
}

/**
 * Streams rows of a delimited file as text Rows keyed by matched header names.
 * Blank lines are skipped; a row with more non-empty fields than the header, or fewer fields, is a `bad-file` error with its line.
 * UTF-8 bytes that are not UTF-8, and a value longer than `maxFieldLength`, stop the read with a SourceDataError naming the line.
 */
export async function* readDelimited(
  file: string,
  settings: Pick<FolderSettings, 'encoding' | 'delimiter' | 'maxFieldLength'>,
  expected: readonly string[],
  signal?: AbortSignal,
): AsyncGenerator<SourcedRow> {
  const name = path.basename(file);
  const format = await sniffDelimited(file, settings);
  const maxFieldLength = settings.maxFieldLength;
  const input = fs.createReadStream(file, { highWaterMark: 64 * 1024 });
  const decoder = decoderFor(format.encoding);
  const parser = parse({
    delimiter: format.delimiter,
    raw: true,
    relax_column_count: true,
    relax_quotes: true,
    bom: true,
    skip_empty_lines: false,
    max_record_size: recordByteLimit(maxFieldLength),
  });
  input.on('error', (e) => parser.destroy(e));
  decoder.on('error', (e: Error) => parser.destroy(e));
  input.pipe(decoder).pipe(parser);
  const onAbort = (): void => {
    parser.destroy(new SourceError('The read was cancelled.', 'timeout'));
  };
  signal?.addEventListener('abort', onAbort, { once: true });

  let header: string[] | undefined;
  let line = 1;
  try {
    for await (const chunk of parser as AsyncIterable<{ raw: string; record: string[] }>) {
      const startLine = line;
      line += Math.max(1, countLineBreaks(chunk.raw));
      const record = chunk.record;
      if (record.length === 1 && record[0].trim() === '') continue; // blank line
      for (let k = 0; k < record.length; k++) {
        if (record[k].length > maxFieldLength) throw fieldTooLong(`${name} line ${startLine}`, header?.[k] ?? `${k + 1} of the header`, record[k].length, maxFieldLength);
      }
      if (!header) {
        // a trailing delimiter on the header line makes an empty last column: drop it
        const rawHeader = [...record];
        while (rawHeader.length > 1 && rawHeader[rawHeader.length - 1].trim() === '') rawHeader.pop();
        header = matchHeaders(rawHeader, expected);
        if (header.length === 1 && format.delimiter !== '\t' && /\t/.test(record[0])) {
          throw new SourceError(`${name} line ${startLine}: the header has one column; the file looks tab-delimited. Set the delimiter to tab.`, 'bad-file');
        }
        continue;
      }
      if (record.length < header.length) {
        throw new SourceError(
          `${name} line ${startLine}: ${record.length} fields, but the header has ${header.length} (${describeDelimiter(format.delimiter)}-delimited). ` +
            'Check for a missing delimiter or an unclosed quote.',
          'bad-file',
        );
      }
      if (record.length > header.length && record.slice(header.length).some((v) => v.trim() !== '')) {
        throw new SourceError(
          `${name} line ${startLine}: ${record.length} fields, but the header has ${header.length} (${describeDelimiter(format.delimiter)}-delimited). ` +
            'A value probably contains the delimiter without quotes.',
          'bad-file',
        );
      }
      const row: Row = {};
      for (let k = 0; k < header.length; k++) row[header[k]] = record[k];
      yield { row, origin: `${name} line ${startLine}` };
    }
    if (!header) {
      throw new NoHeaderLineError(name);
    }
  } catch (error) {
    if (error instanceof SourceError) throw error;
    if (error instanceof InvalidUtf8Error) throw await describeInvalidUtf8(file, name);
    const csvError = error as { code?: string; lines?: number; column?: number | string | null };
    if (csvError.code === 'CSV_MAX_RECORD_SIZE') {
      // The record starting at `line` outgrew the parser's limit: it stopped there, so only a lower bound of the length is known.
      const index = typeof csvError.column === 'number' ? csvError.column : 0;
      throw fieldTooLong(`${name} line ${line}`, header?.[index] ?? `${index + 1} of the header`, { moreThanBytes: recordByteLimit(maxFieldLength) }, maxFieldLength);
    }
    const lines = csvError.lines;
    throw new SourceError(`${name}${lines ? ` line ${lines}` : ''}: ${(error as Error).message}`, 'bad-file');
  } finally {
    signal?.removeEventListener('abort', onAbort);
    input.destroy();
    parser.destroy();
  }
}

/** A delimited file with nothing in it, not even the header line (code `bad-file`, as every unreadable file). */
export class NoHeaderLineError extends SourceError {
  constructor(readonly file: string) {
    super(`${file} is empty: it has no header line. Expected a header with the column names.`, 'bad-file');
    this.name = 'NoHeaderLineError';
  }
}

/** Header names (matched) of a delimited file without reading the rest. */
export async function readDelimitedHeader(file: string, settings: Pick<FolderSettings, 'encoding' | 'delimiter' | 'maxFieldLength'>, expected: readonly string[]): Promise<string[]> {
  const iterator = readDelimited(file, settings, expected);
  try {
    const first = await iterator.next();
    if (!first.done) return Object.keys(first.value.row);
  } catch (error) {
    if (!(error instanceof NoHeaderLineError)) throw error;
  } finally {
    await iterator.return(undefined);
  }
  // header only: parse it directly
  const format = await sniffDelimited(file, settings);
  const text = iconv.decode(await readHead(file), iconvName(format.encoding)).replace(/^\uFEFF/, '');
  const firstLine = text.split(/\r\n|\r|\n/, 1)[0] ?? '';
  return matchHeaders(firstLine.split(format.delimiter).map((h) => h.replace(/^"|"$/g, '')), expected);
}
