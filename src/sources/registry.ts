/**
 * Every SIS source driver, by id. Callers ask for a driver by the source's `type` and use its
 * capabilities; nothing outside src/sources/ branches on the type. Each driver is registered through
 * defineSourceDriver (common.ts), which parses the raw `SourceConfig.settings` it is given with the
 * driver's own `settingsSchema` before any method sees them.
 */
import type { SourceType } from '../shared/config.schema.js';
import { folderDriver } from './export-folder.js';
import { mssqlDriver } from './mssql.js';
import { mysqlDriver } from './mysql.js';
import { oracleDriver } from './oracle.js';
import { postgresDriver } from './postgres.js';
import { sqliteDriver } from './sqlite.js';
import type { RegisteredSourceDriver } from './types.js';

type AnyDriver = RegisteredSourceDriver;

const DRIVERS: readonly AnyDriver[] = [sqliteDriver, postgresDriver, mysqlDriver, mssqlDriver, oracleDriver, folderDriver];

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
