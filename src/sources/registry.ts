/**
 * Every SIS source driver, by id. Callers ask for a driver by the source's `type` and use its
 * capabilities; nothing outside src/sources/ branches on the type. Each driver validates the
 * settings it is given with its own `settingsSchema`, so raw `SourceConfig.settings` can be passed.
 */
import type { SourceType } from '../shared/config.schema.js';
import { folderDriver } from './export-folder.js';
import { mssqlDriver } from './mssql.js';
import { mysqlDriver } from './mysql.js';
import { oracleDriver } from './oracle.js';
import { postgresDriver } from './postgres.js';
import { sqliteDriver } from './sqlite.js';
import type { SourceDriver } from './types.js';

type AnyDriver = SourceDriver<Record<string, unknown>>;

function entry<S>(driver: SourceDriver<S>): AnyDriver {
  return driver as unknown as AnyDriver;
}

const DRIVERS: readonly AnyDriver[] = [entry(sqliteDriver), entry(postgresDriver), entry(mysqlDriver), entry(mssqlDriver), entry(oracleDriver), entry(folderDriver)];

/** The driver for a source type; an unknown id is a programming or config error naming this file. */
export function getSourceDriver(id: SourceType | string): AnyDriver {
  const driver = DRIVERS.find((d) => d.id === id);
  if (!driver) {
    throw new Error(
      `Unknown source type "${id}": no driver with that id is listed in src/sources/registry.ts (known: ${DRIVERS.map((d) => d.id).join(', ')}).`,
    );
  }
  return driver;
}

export function listSourceDrivers(): readonly AnyDriver[] {
  return DRIVERS;
}
