import { createMysqlDatabase } from '../helpers/databases.js';
import { registerSqlSourceContract, CONTRACT_PASSWORD } from '../contract/sql-source.contract.js';

registerSqlSourceContract('MariaDB', { writingFunction: true, slowQuery: 'SELECT SLEEP(3) AS slept' }, async () => {
  const db = await createMysqlDatabase('rs_src_my');
  return {
    driverId: 'mysql',
    settings: db.settings,
    secrets: {},
    exec: (sql) => db.exec(sql),
    teardown: () => db.drop(),
    writingFunctionDdl: [
      `CREATE FUNCTION rs_touch() RETURNS INT MODIFIES SQL DATA NOT DETERMINISTIC
       BEGIN UPDATE students SET grade = '12'; RETURN 1; END`,
    ],
    errorCases: [
      { label: 'wrong password', settings: db.settings, secrets: { password: CONTRACT_PASSWORD }, code: 'login-failed', mentions: /root/ },
      { label: 'wrong database', settings: { ...db.settings, database: 'rs_no_such_db' }, secrets: {}, code: 'database-missing', mentions: /rs_no_such_db/ },
      { label: 'nothing on that port', settings: { ...db.settings, port: 1 }, secrets: { password: CONTRACT_PASSWORD }, code: 'unreachable', mentions: /127\.0\.0\.1:1\b/ },
      { label: 'unknown host', settings: { ...db.settings, host: 'no-such-host.invalid' }, secrets: { password: CONTRACT_PASSWORD }, code: 'unreachable', mentions: /no-such-host\.invalid/ },
    ],
  };
});
