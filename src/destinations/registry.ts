/**
 * Every destination driver, by id. Callers look a driver up by the destination's `type`;
 * nothing outside src/destinations/ branches on it.
 */
import type { DestinationType } from '../shared/config.schema.js';
import { folderDestination } from './folder/folder.js';
import { sftpDestination } from './sftp/sftp.js';
import type { DestinationDriver } from './types.js';

type AnyDestination = DestinationDriver<Record<string, unknown>>;

const entry = <S>(driver: DestinationDriver<S>): AnyDestination => driver as unknown as AnyDestination;

const DESTINATIONS: readonly AnyDestination[] = [entry(folderDestination), entry(sftpDestination)];

export function getDestinationDriver(id: DestinationType | string): AnyDestination {
  const driver = DESTINATIONS.find((d) => d.id === id);
  if (!driver) {
    throw new Error(
      `Unknown destination type "${id}": no driver with that id is listed in src/destinations/registry.ts (known: ${DESTINATIONS.map((d) => d.id).join(', ')}).`,
    );
  }
  return driver;
}

export function listDestinationDrivers(): readonly AnyDestination[] {
  return DESTINATIONS;
}
