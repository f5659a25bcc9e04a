import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { registerSqlSourceContract, CONTRACT_PASSWORD } from '../contract/sql-source.contract.js';

registerSqlSourceContract('SQLite', { writingFunction: false }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rs-sqlite-'));
  const file = path.join(dir, 'sis.db');
  const admin = new Database(file);
  const notADatabase = path.join(dir, 'notes.txt');
  fs.writeFileSync(notADatabase, 'this is not a database file, just some text long enough to be read as a header page');
  return {
    driverId: 'sqlite',
    settings: { path: file },
    secrets: {},
    async exec(sql) {
      const stmt = admin.prepare(sql);
      return stmt.reader ? (stmt.all() as Record<string, unknown>[]) : (stmt.run(), []);
    },
    async teardown() {
      admin.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
    errorCases: [
      { label: 'missing file', settings: { path: path.join(dir, 'missing.db') }, secrets: { password: CONTRACT_PASSWORD }, code: 'database-missing', mentions: /missing\.db/ },
      { label: 'not a database', settings: { path: notADatabase }, secrets: {}, code: 'bad-file', mentions: /not a SQLite database/ },
    ],
  };
});
