/**
 * SQL straight on a store's file through a connection of its own, as an older RosterSync, another
 * tool or a dead process would have left it. Product code never does this: the store is sealed
 * (`Store` keeps its connection private; lint/layers.js refuses SQL outside src/store/). Tests use
 * it only for states the store's methods rightly refuse to make (rows an older version wrote,
 * backdated runs) and to clear tables between tests.
 */
import Database from 'better-sqlite3';
import type { Store } from '../../src/store/store.js';

export function onStoreFile<T>(store: Store, work: (db: Database.Database) => T): T {
  if (store.path === ':memory:') throw new Error('onStoreFile needs a store on disk (an in-memory store has no file to open).');
  const db = new Database(store.path);
  db.pragma('busy_timeout = 10000');
  try {
    return work(db);
  } finally {
    db.close();
  }
}
