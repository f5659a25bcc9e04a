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
