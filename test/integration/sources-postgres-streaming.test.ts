/**
 * Streaming proof: one million enrollment rows read from the real PostgreSQL while the heap
 * stays flat. Holding those rows as objects would need several hundred MB; the reader must
 * stay within a small fraction of that. Memory, not time, is asserted.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSourceDriver } from '../../src/sources/registry.js';
import { createPostgresDatabase, type TestDatabase } from '../helpers/databases.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const ROWS = 1_000_000;
const QUERY = `
SELECT 'E' || lpad(g::text, 8, '0') AS enrollment_id,
       'C' || lpad((g % 5000)::text, 6, '0') AS class_id,
       lpad((g % 40000)::text, 7, '0') AS user_id,
       CASE WHEN g % 30 = 0 THEN 'teacher' ELSE 'student' END AS role,
       lpad((g % 12)::text, 3, '0') AS school_code,
       DATE '2025-08-20' + (g % 30) AS begin_date
FROM generate_series(1, ${ROWS}) AS g`;

describe('PostgreSQL streaming', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createPostgresDatabase('rs_src_stream');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it(`reads ${ROWS.toLocaleString('en-US')} rows with a flat heap`, async () => {
    const driver = getSourceDriver('postgres');
    const session = await driver.open({ ...db.settings, batchSize: 2000 }, {});
    gc();
    const baseline = process.memoryUsage().heapUsed;
    let peak = baseline;
    let count = 0;
    let last = '';
    let firstOrigin = '';
    // keep 1,000 rows to measure what one row costs in memory, to compare with buffering
    const kept: unknown[] = [];
    try {
      for await (const { row, origin } of session.read({ entity: 'enrollments', query: QUERY })) {
        count++;
        if (count === 1) firstOrigin = origin;
        if (count <= 1000) kept.push(row);
        last = row.enrollment_id ?? '';
        if (count % 100_000 === 0) {
          // live heap while streaming: collect garbage first, so only what the reader retains counts
          gc();
          peak = Math.max(peak, process.memoryUsage().heapUsed);
        }
      }
    } finally {
      await session.close();
    }
    expect(count).toBe(ROWS);
    expect(firstOrigin).toBe('enrollments row 1');
    expect(last).toBe('E01000000');

    gc();
    const withKept = process.memoryUsage().heapUsed;
    kept.length = 0;
    gc();
    const perRow = Math.max(100, (withKept - process.memoryUsage().heapUsed) / 1000);
    const bufferingWouldNeed = perRow * ROWS;
    const growth = peak - baseline;
    // Bounded: far below buffering (< 1/20 of it) and below an absolute ceiling.
    expect(growth, `heap grew ${Math.round(growth / 2 ** 20)} MB; buffering would need ~${Math.round(bufferingWouldNeed / 2 ** 20)} MB`).toBeLessThan(
      Math.min(bufferingWouldNeed / 20, 32 * 2 ** 20),
    );
  }, 120_000);

  it('reports an error the server sends after rows have streamed, and the next read on the session works', async () => {
    const driver = getSourceDriver('postgres');
    const session = await driver.open({ ...db.settings, batchSize: 1000 }, {});
    let count = 0;
    try {
      const failing = `SELECT g AS id, 1 / (g - 150000) AS x FROM generate_series(1, 200000) AS g`;
      await expect(
        (async () => {
          for await (const _ of session.read({ entity: 'people', query: failing })) count++;
        })(),
      ).rejects.toThrow(/people.*division by zero/);
      expect(count).toBeGreaterThan(0);
      expect(count).toBeLessThan(150_000);
      const rows: unknown[] = [];
      for await (const { row } of session.read({ entity: 'people', query: 'SELECT g AS id FROM generate_series(1, 3) AS g' })) rows.push(row);
      expect(rows).toEqual([{ id: '1' }, { id: '2' }, { id: '3' }]);
    } finally {
      await session.close();
    }
  }, 60_000);
});
