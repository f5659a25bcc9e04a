/**
 * `COPY … TO STDOUT` as a Readable of the CopyData bytes: pg-copy-streams' copy-to (same
 * attach/detach protocol with pg's connection, same backpressure, same ErrorResponse hand-back),
 * with the message framing read straight from the socket's chunks.
 *
 * The server sends one CopyData message per row; pg-copy-streams' offset-buffer list cut a Buffer
 * per message and joined them again per chunk (~1 µs per row, as much as parsing the row). Here the
 * payloads of one socket chunk are copied into one Buffer, headers skipped, without an object per row.
 */
import { Readable } from 'node:stream';
import type pg from 'pg';

const ERROR_RESPONSE = 0x45; // E
const COPY_OUT_RESPONSE = 0x48; // H
const COPY_DATA = 0x64; // d
const NOTIFICATION_RESPONSE = 0x41; // A
const NOTICE_RESPONSE = 0x4e; // N
const PARAMETER_STATUS = 0x53; // S

/** Code byte and length of a message. */
const HEADER_BYTES = 5;

/**
 * Splits a byte stream of backend messages into CopyData payloads. State carries across chunks: a
 * header may be cut anywhere, a payload too.
 */
export class CopyOutFraming {
  private readonly header = Buffer.alloc(HEADER_BYTES);
  private headerHave = 0;
  /** Bytes of the current message's body still to come. */
  private remaining = 0;
  private code = 0;

  /**
   * Reads `chunk`. Returns the CopyData bytes it held (undefined when none) and how it stopped:
   * `more` (all read), `done` (after the message that ends copy-out mode, `rest` = what follows it)
   * or `error` (an ErrorResponse starts: `rest` = it and what follows, for pg to read).
   */
  read(chunk: Buffer): { data: Buffer | undefined; end: 'more' | 'done' | 'error'; rest?: Buffer } {
    const n = chunk.length;
    let out: Buffer | undefined;
    let o = 0;
    let i = 0;
    while (i < n) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, n - i);
        if (this.code === COPY_DATA) {
          out ??= Buffer.allocUnsafe(n - i);
          chunk.copy(out, o, i, i + take);
          o += take;
        }
        i += take;
        this.remaining -= take;
        if (this.remaining === 0 && ending(this.code)) return this.stop(out, o, 'done', chunk.subarray(i));
        continue;
      }
      // A new message (or the rest of a cut header).
      if (this.headerHave === 0) {
        if (chunk[i] === ERROR_RESPONSE) return this.stop(out, o, 'error', chunk.subarray(i));
        if (n - i >= HEADER_BYTES) {
          this.code = chunk[i]!;
          this.remaining = chunk.readUInt32BE(i + 1) - 4;
          i += HEADER_BYTES;
          if (this.remaining === 0 && ending(this.code)) return this.stop(out, o, 'done', chunk.subarray(i));
          continue;
        }
      }
      // A header cut by the chunk's end (its code byte was checked for ErrorResponse above).
      while (this.headerHave < HEADER_BYTES && i < n) this.header[this.headerHave++] = chunk[i++]!;
      if (this.headerHave < HEADER_BYTES) break;
      this.headerHave = 0;
      this.code = this.header[0]!;
      this.remaining = this.header.readUInt32BE(1) - 4;
      if (this.remaining === 0 && ending(this.code)) return this.stop(out, o, 'done', chunk.subarray(i));
    }
    return { data: out && o > 0 ? out.subarray(0, o) : undefined, end: 'more' };
  }

  private stop(out: Buffer | undefined, o: number, end: 'done' | 'error', rest: Buffer): { data: Buffer | undefined; end: 'done' | 'error'; rest: Buffer } {
    return { data: out && o > 0 ? out.subarray(0, o) : undefined, end, rest };
  }
}

/** Whether a complete message of this code ends copy-out mode (CopyDone or anything not interspersed). */
function ending(code: number): boolean {
  return code !== COPY_DATA && code !== COPY_OUT_RESPONSE && code !== PARAMETER_STATUS && code !== NOTICE_RESPONSE && code !== NOTIFICATION_RESPONSE;
}

interface PgConnection {
  readonly stream: Readable;
}

type DataHandler = (chunk: Buffer) => void;

/** `client.query(copyOut(sql))`: the CopyData bytes of `COPY (…) TO STDOUT`. */
export class CopyOutStream extends Readable implements pg.Submittable {
  private readonly framing = new CopyOutFraming();
  private connection: PgConnection | undefined;
  private pgDataHandler: DataHandler | undefined;
  private drained = false;
  private forwarding = false;
  private readonly onReadable = (): void => this.forward();

  constructor(private readonly text: string) {
    super();
  }

  submit(connection: pg.Connection): void {
    const c = connection as unknown as PgConnection & { query(text: string): void };
    this.connection = c;
    const socket = c.stream;
    const listeners = socket.listeners('data');
    if (listeners.length !== 1) throw new Error('COPY: the connection has no single data listener');
    this.pgDataHandler = listeners[0] as DataHandler;
    socket.removeListener('data', this.pgDataHandler);
    socket.pause();
    this.forward();
    socket.on('readable', this.onReadable);
    c.query(this.text);
  }

  override _read(): void {
    this.drained = true;
    this.forward();
  }

  private forward(): void {
    if (this.forwarding || !this.drained || !this.connection) return;
    this.forwarding = true;
    const socket = this.connection.stream;
    let chunk: Buffer | null;
    while (this.drained && this.connection && (chunk = socket.read() as Buffer | null) !== null) this.parse(chunk);
    this.forwarding = false;
  }

  private parse(chunk: Buffer): void {
    const { data, end, rest } = this.framing.read(chunk);
    if (end === 'error') {
      // pg reads the ErrorResponse and calls handleError.
      this.detach(rest!);
      this.drained = false;
      return;
    }
    if (data) this.drained = this.push(data);
    if (end === 'done') {
      this.detach(rest!);
      this.push(null);
    }
  }

  /** Gives the connection back to pg, with the bytes after copy-out mode. */
  private detach(rest: Buffer): void {
    const socket = this.connection!.stream;
    const handler = this.pgDataHandler!;
    socket.removeListener('readable', this.onReadable);
    socket.addListener('data', handler);
    this.connection = undefined;
    this.pgDataHandler = undefined;
    handler(rest);
    // As pg-copy-streams: resumed on the next tick, after pg's handler may have paused it.
    process.nextTick(() => socket.resume());
  }

  handleError(error: Error): void {
    this.emit('error', error);
  }

  handleCommandComplete(): void {}

  handleReadyForQuery(): void {}
}

/** `COPY (…) TO STDOUT` for `client.query`. */
export function copyOut(text: string): CopyOutStream {
  return new CopyOutStream(text);
}
