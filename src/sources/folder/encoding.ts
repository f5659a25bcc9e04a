/**
 * Text encoding of export files, decided per file and never guessed from damaged bytes:
 * a BOM names its encoding; UTF-16 without a BOM shows in its zero bytes; everything else is
 * read as strict UTF-8. A file that is not valid UTF-8 is refused with the line and byte offset of
 * the first bad byte and the number of bad sequences (`describeInvalidUtf8`) — it is never
 * re-decoded as Windows-1252 behind the admin's back, because one stray byte in a UTF-8 export
 * would then garble every accented name in the file (`Rodríguez` → `RodrÃ­guez`). A source whose
 * SIS writes Windows-1252 says so once in its `encoding` setting; an explicit setting always wins.
 */
import fs from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import iconv from 'iconv-lite';
import { SourceDataError } from '../types.js';
import type { FileEncoding } from './settings.js';

export type ConcreteEncoding = Exclude<FileEncoding, 'auto'>;

export interface DetectedEncoding {
  readonly encoding: ConcreteEncoding;
  readonly bom: boolean;
}

/** Decides the encoding from the first bytes of a file (a few KB are enough). */
export function detectEncoding(head: Uint8Array, configured: FileEncoding = 'auto'): DetectedEncoding {
  const bomUtf8 = head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf;
  const bomLe = head.length >= 2 && head[0] === 0xff && head[1] === 0xfe;
  const bomBe = head.length >= 2 && head[0] === 0xfe && head[1] === 0xff;
  const bom = bomUtf8 || bomLe || bomBe;
  if (configured !== 'auto') return { encoding: configured, bom };
  if (bomUtf8) return { encoding: 'utf-8', bom: true };
  if (bomLe) return { encoding: 'utf-16le', bom: true };
  if (bomBe) return { encoding: 'utf-16be', bom: true };
  // UTF-16 without BOM: ASCII text has a zero in every other byte.
  const sample = head.subarray(0, Math.min(head.length, 4096));
  let zeroEven = 0;
  let zeroOdd = 0;
  for (let i = 0; i < sample.length; i++) {
    if (sample[i] !== 0) continue;
    if (i % 2 === 0) zeroEven++;
    else zeroOdd++;
  }
  const pairs = Math.floor(sample.length / 2);
  if (pairs > 0 && zeroOdd > pairs * 0.3 && zeroEven < pairs * 0.05) return { encoding: 'utf-16le', bom: false };
  if (pairs > 0 && zeroEven > pairs * 0.3 && zeroOdd < pairs * 0.05) return { encoding: 'utf-16be', bom: false };
  return { encoding: 'utf-8', bom: false };
}

/** The iconv-lite name of an encoding. */
export function iconvName(encoding: ConcreteEncoding): string {
  switch (encoding) {
    case 'utf-8':
      return 'utf8';
    case 'utf-16le':
      return 'utf16le';
    case 'utf-16be':
      return 'utf16be';
    case 'windows-1252':
      return 'win1252';
    default: {
      const never: never = encoding;
      throw new Error(`Unexpected encoding ${String(never)}`);
    }
  }
}

/** Raised inside the decoding stream; `readDelimited` turns it into the admin's finding with `describeInvalidUtf8`. */
export class InvalidUtf8Error extends Error {
  constructor() {
    super('the file is not valid UTF-8');
    this.name = 'InvalidUtf8Error';
  }
}

/**
 * Bytes → text, strictly: the platform's UTF-8 decoder with `fatal: true`, fed chunk by chunk (a
 * character split between chunks is completed by the next one). The first invalid byte fails the
 * stream with InvalidUtf8Error; nothing is ever replaced with U+FFFD. A leading BOM is dropped.
 */
export class StrictUtf8Decoder extends Transform {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  constructor() {
    super({ readableObjectMode: false, decodeStrings: true, encoding: 'utf8' });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    let text: string;
    try {
      text = this.decoder.decode(chunk, { stream: true });
    } catch {
      callback(new InvalidUtf8Error());
      return;
    }
    callback(null, text);
  }

  override _flush(callback: TransformCallback): void {
    try {
      callback(null, this.decoder.decode());
    } catch {
      // the file ends in the middle of a character
      callback(new InvalidUtf8Error());
    }
  }
}

/** One place where the bytes are not UTF-8. */
export interface Utf8Fault {
  /** 0-based byte offset of the first bad byte in the file. */
  readonly offset: number;
  /** 1-based line the bad byte is on. */
  readonly line: number;
  /** The bad bytes (the lead byte and any continuation bytes that still fitted). */
  readonly bytes: readonly number[];
}

export interface Utf8Report {
  /** Invalid sequences in the whole file (each maximal bad subpart counts once, as a decoder replacing them would). */
  readonly invalid: number;
  /** Well-formed multi-byte characters (accents read correctly). */
  readonly validMultiByte: number;
  /** The first few faults, in file order. */
  readonly faults: readonly Utf8Fault[];
}

const FAULTS_KEPT = 5;

/**
 * Streaming UTF-8 checker (Unicode Table 3-7: no overlongs, no surrogates, nothing above U+10FFFF)
 * that counts lines as it goes, for the diagnosis of a file the strict decoder refused.
 */
export class Utf8Scanner {
  private offset = 0;
  private line = 1;
  private lastWasCr = false;
  private carry: Buffer | undefined;
  private invalid = 0;
  private validMultiByte = 0;
  private readonly faults: Utf8Fault[] = [];

  push(chunk: Buffer): void {
    const data = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    const base = this.offset - (this.carry?.length ?? 0);
    this.carry = undefined;
    const consumed = this.scan(data, base, false);
    if (consumed < data.length) this.carry = Buffer.from(data.subarray(consumed));
    this.offset = base + data.length;
  }

  end(): Utf8Report {
    if (this.carry) {
      const data = this.carry;
      this.carry = undefined;
      this.scan(data, this.offset - data.length, true);
    }
    return { invalid: this.invalid, validMultiByte: this.validMultiByte, faults: this.faults };
  }

  /** Scans `data` (starting at file offset `base`); returns how many bytes were consumed (an incomplete sequence at the end waits unless `final`). */
  private scan(data: Buffer, base: number, final: boolean): number {
    let i = 0;
    while (i < data.length) {
      const b = data[i]!;
      if (b < 0x80) {
        this.countLine(b);
        i++;
        continue;
      }
      this.countLine(b);
      const need = b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : 0;
      const lo = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
      const hi = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
      let good = 0;
      while (good < need && i + 1 + good < data.length) {
        const c = data[i + 1 + good]!;
        if (good === 0 ? c < lo || c > hi : c < 0x80 || c > 0xbf) break;
        good++;
      }
      if (need > 0 && good === need) {
        this.validMultiByte++;
        i += need + 1;
        continue;
      }
      if (need > 0 && i + 1 + good >= data.length && !final) return i; // the sequence continues in the next chunk
      this.fault(base + i, [...data.subarray(i, i + 1 + good)]);
      i += 1 + good;
    }
    return i;
  }

  private countLine(b: number): void {
    // A line ends at LF, CRLF or a lone CR, as the CSV parser counts them.
    if (b === 0x0a) this.line++;
    else if (this.lastWasCr) this.line++;
    this.lastWasCr = b === 0x0d;
  }

  private fault(offset: number, bytes: number[]): void {
    this.invalid++;
    if (this.faults.length < FAULTS_KEPT) this.faults.push({ offset, line: this.line, bytes });
  }
}

/** Scans a whole file (streamed) for UTF-8 faults. */
export async function scanUtf8File(file: string): Promise<Utf8Report> {
  const scanner = new Utf8Scanner();
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 256 * 1024 })) scanner.push(chunk as Buffer);
  return scanner.end();
}

const hex = (b: number): string => `0x${b.toString(16).toUpperCase().padStart(2, '0')}`;

/** What the bytes of a fault would read as in Windows-1252 (the usual culprit), for the message. */
function asWindows1252(bytes: readonly number[]): string {
  return iconv.decode(Buffer.from(bytes), 'win1252');
}

/** The text around a byte offset, decoded leniently (the bad byte shows as �), limited to its line. */
async function contextAround(file: string, offset: number): Promise<string> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const start = Math.max(0, offset - 30);
    const buffer = Buffer.alloc(offset - start + 30);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, start);
    const before = new TextDecoder().decode(buffer.subarray(0, offset - start)).split(/\r\n|\r|\n/).pop() ?? '';
    const after = new TextDecoder().decode(buffer.subarray(offset - start, bytesRead)).split(/\r\n|\r|\n/)[0] ?? '';
    return `${before}${after}`.replace(/^\uFEFF/, '');
  } finally {
    await handle.close();
  }
}

/**
 * The finding for a file the strict UTF-8 decoder refused: where the first bad byte is (line and
 * byte offset), how many bad sequences there are, and what the admin can do — set the source to
 * Windows-1252 when nothing in the file is UTF-8, or fix the export when the rest of it is.
 */
export async function describeInvalidUtf8(file: string, name: string): Promise<SourceDataError> {
  const report = await scanUtf8File(file);
  const first = report.faults[0];
  if (!first) {
    return new SourceDataError(`${name}: the file is not valid UTF-8.`, { origin: name, rule: 'encoding' });
  }
  const bytes = first.bytes.map(hex).join(' ');
  const more = report.faults.slice(1).map((f) => `line ${f.line} (byte offset ${f.offset})`);
  const rest = report.invalid - 1;
  const others = rest > 0 ? ` ${rest} more invalid sequence${rest === 1 ? ' follows' : 's follow'}: ${more.join(', ')}${rest > more.length ? ', …' : ''}.` : '';
  const context = await contextAround(file, first.offset);
  const advice =
    report.validMultiByte === 0
      ? `No character in the file is valid UTF-8 beyond plain ASCII: the SIS most likely writes Windows-1252 (ANSI). If so, set this source's encoding to windows-1252.`
      : `The rest of the file is UTF-8 (${report.validMultiByte} accented or non-Latin character${report.validMultiByte === 1 ? '' : 's'} read correctly), so the export is damaged at ${report.invalid === 1 ? 'this place' : 'these places'}: fix ${report.invalid === 1 ? 'it' : 'them'} in the SIS and export again. Reading the file as Windows-1252 would garble those correct characters.`;
  return new SourceDataError(
    `${name} line ${first.line}, byte offset ${first.offset}: byte ${bytes} is not valid UTF-8 ("${context}"; ${hex(first.bytes[0]!)} would be "${asWindows1252(first.bytes)}" in Windows-1252).${others} ${advice} The file is refused.`,
    { origin: `${name} line ${first.line}`, rule: 'encoding', value: bytes },
  );
}
