import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBatches } from '../../src/sources/common.js';
import { getSourceDriver } from '../../src/sources/registry.js';
import type { RowBatch } from '../../src/sources/types.js';
import { createPostgresDatabase } from '../helpers/databases.js';
import { registerSqlSourceContract, CONTRACT_PASSWORD } from '../contract/sql-source.contract.js';

registerSqlSourceContract('PostgreSQL', { writingFunction: true, slowQuery: 'SELECT pg_sleep(3) AS slept' }, async () => {
  const db = await createPostgresDatabase('rs_src_pg');
  const secrets = { password: CONTRACT_PASSWORD };
  return {
    driverId: 'postgres',
    settings: db.settings,
    secrets,
    exec: (sql) => db.exec(sql),
    teardown: () => db.drop(),
    writingFunctionDdl: [
      `CREATE FUNCTION rs_touch() RETURNS integer LANGUAGE plpgsql AS $$
       BEGIN UPDATE students SET grade = '12'; RETURN 1; END $$`,
    ],
    errorCases: [
      { label: 'unknown login', settings: { ...db.settings, user: 'rs_nobody' }, secrets, code: 'login-failed', mentions: /rs_nobody/ },
      { label: 'wrong database', settings: { ...db.settings, database: 'rs_no_such_db' }, secrets, code: 'database-missing', mentions: /rs_no_such_db/ },
      { label: 'nothing on that port', settings: { ...db.settings, port: 1 }, secrets, code: 'unreachable', mentions: /127\.0\.0\.1:1\b/ },
      { label: 'unknown host', settings: { ...db.settings, host: 'no-such-host.invalid' }, secrets, code: 'unreachable', mentions: /no-such-host\.invalid/ },
    ],
  };
});

describe('PostgreSQL COPY reading', () => {
  let db: Awaited<ReturnType<typeof createPostgresDatabase>>;
  beforeAll(async () => {
    db = await createPostgresDatabase('rs_src_pg_copy');
  });
  afterAll(async () => {
    await db?.drop();
  });

  const readAll = async (query: string, settings: Record<string, unknown> = {}): Promise<RowBatch[]> => {
    const session = await getSourceDriver('postgres').open({ ...db.settings, ...settings }, {});
    try {
      const batches: RowBatch[] = [];
      for await (const batch of readBatches(session, { entity: 'people', query })) batches.push(batch);
      return batches;
    } finally {
      await session.close();
    }
  };

  it('gives back every value exactly: escapes, NULL against the text \\N, booleans, bytea, arrays, Unicode', async () => {
    const [batch] = await readAll(
      `SELECT E'a\\\\b' AS backslash, E'\\\\N' AS slash_n, NULL::text AS nothing, '' AS empty, E'tab\\there\\nnext\\rcr' AS controls,
         true AS yes, false AS no, '\\x00ff'::bytea AS bytes, ARRAY['x', 'y z'] AS list, 'Zoë 東京 😀' AS unicode, 1.50::numeric(4,2) AS exact;
       -- a trailing comment after the semicolon`,
    );
    expect(batch!.rows).toEqual([
      { backslash: 'a\\b', slash_n: '\\N', nothing: null, empty: '', controls: 'tab\there\nnext\rcr', yes: 'true', no: 'false', bytes: '00ff', list: '{x,"y z"}', unicode: 'Zoë 東京 😀', exact: '1.50' },
    ]);
    expect(batch!.origin(0)).toBe('people row 1');
  });

  it('hands rows over in batches of at most batchSize, numbered across batches', async () => {
    const batches = await readAll('SELECT g AS n FROM generate_series(1, 2500) g', { batchSize: 1000 });
    expect(batches.every((b) => b.rows.length <= 1000)).toBe(true);
    const all = batches.flatMap((b) => b.rows.map((r, i) => [r.n, b.origin(i)]));
    expect(all).toHaveLength(2500);
    expect(all[1999]).toEqual(['2000', 'people row 2000']);
  });

  it('reads a query without a trailing semicolon that ends in a line comment', async () => {
    const [batch] = await readAll('SELECT 1 AS one -- the end');
    expect(batch!.rows).toEqual([{ one: '1' }]);
  });
});
