/**
 * ReadAhead (src/pipeline/read-ahead.ts): read k+1 is opened and its first batch requested as read
 * k begins; a failing read ahead surfaces only when its turn comes; close() ends reads started and
 * never taken. The session here is an in-memory SourceSession that records what was asked when.
 */
import { describe, expect, it } from 'vitest';
import { ReadAhead } from '../../src/pipeline/read-ahead.js';
import type { EntityRequest, RowBatch, SourceSession } from '../../src/sources/types.js';

function recordingSession(batchesPerRead: number, failing: ReadonlySet<string> = new Set()): { session: SourceSession; log: string[] } {
  const log: string[] = [];
  const session: SourceSession = {
    read: () => {
      throw new Error('the pipeline reads batches');
    },
    async *readBatches(request: EntityRequest): AsyncGenerator<RowBatch> {
      const name = String(request.entity);
      log.push(`open ${name}`);
      try {
        if (failing.has(name)) throw new Error(`${name} query failed`);
        for (let b = 0; b < batchesPerRead; b++) {
          log.push(`batch ${name} ${b}`);
          yield { rows: [{ entity: name, batch: String(b) }], origin: (i) => `${name} row ${b + i + 1}` };
        }
      } finally {
        log.push(`closed ${name}`);
      }
    },
    close: async () => undefined,
  };
  return { session, log };
}

const requests: EntityRequest[] = ['orgs', 'users', 'enrollments'].map((entity) => ({ entity, query: 'SELECT 1' }));

async function drain(iterable: AsyncIterable<RowBatch>): Promise<string[]> {
  const seen: string[] = [];
  for await (const batch of iterable) seen.push(`${batch.rows[0]!.entity}:${batch.rows[0]!.batch}`);
  return seen;
}

describe('ReadAhead', () => {
  it('opens the next read and fetches its first batch as soon as the current one starts', async () => {
    const { session, log } = recordingSession(2);
    const reads = new ReadAhead(session, requests, undefined);
    const first = reads.read(0)[Symbol.asyncIterator]();
    await first.next();
    await new Promise((r) => setImmediate(r));
    expect(log).toContain('batch users 0');
    expect(log).not.toContain('open enrollments');
    while (!(await first.next()).done);
    expect(await drain(reads.read(1))).toEqual(['users:0', 'users:1']);
    expect(await drain(reads.read(2))).toEqual(['enrollments:0', 'enrollments:1']);
    await reads.close();
    expect(log.filter((l) => l.startsWith('closed'))).toEqual(['closed orgs', 'closed users', 'closed enrollments']);
  });

  it('reports a failing read when its turn comes, not while the previous one is being read', async () => {
    const { session } = recordingSession(1, new Set(['users']));
    const reads = new ReadAhead(session, requests, undefined);
    expect(await drain(reads.read(0))).toEqual(['orgs:0']);
    await expect(drain(reads.read(1))).rejects.toThrow('users query failed');
    await reads.close();
  });

  it('close() ends a read started ahead that was never taken', async () => {
    const { session, log } = recordingSession(3);
    const reads = new ReadAhead(session, requests, undefined);
    const first = reads.read(0)[Symbol.asyncIterator]();
    await first.next();
    await first.return(undefined);
    await reads.close();
    expect(log).toContain('closed orgs');
    expect(log).toContain('closed users');
    expect(log).not.toContain('open enrollments');
  });
});
