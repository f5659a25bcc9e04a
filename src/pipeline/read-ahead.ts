/**
 * The run's reads, one step ahead: when read k starts, read k+1 is opened and its first batch
 * asked for. A database then plans, joins, sorts and aggregates the next entity's query on its own
 * core while this process maps the current one, instead of both taking turns; what the next read
 * may hold meanwhile is one batch plus the socket's buffers (the server waits on backpressure).
 */
import { readBatches } from '../sources/common.js';
import type { EntityRequest, RowBatch, SourceSession } from '../sources/types.js';

interface Started {
  readonly iterator: AsyncIterator<RowBatch>;
  readonly first: Promise<IteratorResult<RowBatch>>;
}

export class ReadAhead {
  private readonly started = new Map<number, Started>();

  constructor(
    private readonly session: SourceSession,
    private readonly requests: readonly EntityRequest[],
    private readonly signal: AbortSignal | undefined,
  ) {}

  /** The batches of read `index` (in `requests` order); starts read `index + 1` as it begins. */
  async *read(index: number): AsyncGenerator<RowBatch> {
    this.start(index);
    const current = this.started.get(index)!;
    this.started.delete(index);
    this.start(index + 1);
    let done = false;
    try {
      let next = await current.first;
      while (!next.done) {
        yield next.value;
        next = await current.iterator.next();
      }
      done = true;
    } finally {
      if (!done) await current.iterator.return?.();
    }
  }

  /** Stops reads started ahead and not taken (a run that failed or stopped early), releasing their connections. */
  async close(): Promise<void> {
    const pending = [...this.started.values()];
    this.started.clear();
    for (const read of pending) {
      await read.first.catch(() => undefined);
      await read.iterator.return?.().catch(() => undefined);
    }
  }

  private start(index: number): void {
    if (index >= this.requests.length || this.started.has(index)) return;
    const iterator = readBatches(this.session, this.requests[index]!, { signal: this.signal })[Symbol.asyncIterator]();
    const first = iterator.next();
    // A failure is reported when the read is taken (or ignored by close); never as an unhandled rejection.
    first.catch(() => undefined);
    this.started.set(index, { iterator, first });
  }
}
