/**
 * The COPY-out message framing (src/sources/pg-copy-out.ts): CopyData payloads come out whole and
 * in order however the socket cuts the messages, interspersed messages are skipped, and the bytes
 * after copy-out mode (or from an ErrorResponse on) are handed back untouched.
 */
import { describe, expect, it } from 'vitest';
import { CopyOutFraming } from '../../src/sources/pg-copy-out.js';

function message(code: string, body: Buffer | string = Buffer.alloc(0)): Buffer {
  const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const header = Buffer.alloc(5);
  header[0] = code.charCodeAt(0);
  header.writeUInt32BE(payload.length + 4, 1);
  return Buffer.concat([header, payload]);
}

const ROWS = ['1\tZoë\t\\N\n', '2\tplain\tx\n', '3\t東京 😀\ty\n', ''.padEnd(300, 'z') + '\n'];
const AFTER = Buffer.concat([message('C', 'COPY 4\0'), message('Z', 'T')]);

/** Feeds `stream` in pieces of `size` bytes; what came out and how it ended. */
function feed(stream: Buffer, size: number): { data: string; end: string; rest: Buffer } {
  const framing = new CopyOutFraming();
  const data: Buffer[] = [];
  let end = 'more';
  const rest: Buffer[] = [];
  for (let at = 0; at < stream.length; at += size) {
    const piece = Buffer.from(stream.subarray(at, Math.min(at + size, stream.length)));
    if (end !== 'more') {
      rest.push(piece);
      continue;
    }
    const result = framing.read(piece);
    if (result.data) data.push(Buffer.from(result.data));
    end = result.end;
    if (result.rest) rest.push(result.rest);
  }
  return { data: Buffer.concat(data).toString('utf8'), end, rest: Buffer.concat(rest) };
}

describe('CopyOutFraming', () => {
  it('gives the CopyData bytes and stops after CopyDone, handing back what follows, however the stream is cut', () => {
    const stream = Buffer.concat([
      message('H', Buffer.from([0, 0, 3, 0, 0, 0, 0, 0, 0])),
      message('d', ROWS[0]),
      message('N', 'a notice'),
      message('d', ROWS[1]),
      message('S', 'TimeZone\0UTC\0'),
      message('d', ROWS[2]),
      message('d', ROWS[3]),
      message('c'),
      AFTER,
    ]);
    for (let size = 1; size <= stream.length; size++) {
      const { data, end, rest } = feed(stream, size);
      expect(data).toBe(ROWS.join(''));
      expect(end).toBe('done');
      expect(rest.equals(AFTER)).toBe(true);
    }
  });

  it('stops at an ErrorResponse and hands it back from its first byte', () => {
    const error = message('E', 'SERROR\0C57014\0Mcanceling statement due to statement timeout\0\0');
    const stream = Buffer.concat([message('H', Buffer.alloc(7)), message('d', ROWS[0]), message('d', ROWS[1]), error, message('Z', 'E')]);
    for (let size = 1; size <= stream.length; size++) {
      const { data, end, rest } = feed(stream, size);
      expect(ROWS.join('').startsWith(data)).toBe(true);
      expect(end).toBe('error');
      expect(rest.equals(stream.subarray(stream.length - error.length - 6))).toBe(true);
    }
  });

  it('ends copy-out mode at any other message than the interspersed ones', () => {
    const stream = Buffer.concat([message('d', ROWS[1]), message('C', 'COPY 1\0'), message('Z', 'I')]);
    const { data, end, rest } = feed(stream, 4);
    expect(data).toBe(ROWS[1]);
    expect(end).toBe('done');
    expect(rest.equals(message('Z', 'I'))).toBe(true);
  });
});
