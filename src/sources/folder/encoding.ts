/**
 * Text encoding of export files: detected from a BOM, from the zero-byte pattern of UTF-16
 * without a BOM, or from whether the bytes are valid UTF-8 (else Windows-1252, what Excel and
 * most Windows SIS exports write). An explicit setting always wins.
 */
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
  return { encoding: isValidUtf8(head) ? 'utf-8' : 'windows-1252', bom: false };
}

/** True when the bytes are valid UTF-8 (a sequence cut off at the very end counts as valid). */
export function isValidUtf8(bytes: Uint8Array): boolean {
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) need = 2;
    else if (b >= 0xf0 && b <= 0xf4) need = 3;
    else return false;
    if (i + need >= n) {
      // truncated at the end of the sample: accept what is there if it is well-formed so far
      for (let k = i + 1; k < n; k++) if ((bytes[k] & 0xc0) !== 0x80) return false;
      return true;
    }
    for (let k = 1; k <= need; k++) if ((bytes[i + k] & 0xc0) !== 0x80) return false;
    i += need + 1;
  }
  return true;
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
