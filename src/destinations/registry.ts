/**
 * Every destination driver, by id, and its descriptor for forms (rclone's RegInfo, Airbyte's connector
 * spec): capabilities, the settings as JSON Schema with a `oneOf` per sign-in method naming that method's
 * secret fields. Callers look a driver up by the destination's `type` and use its capabilities; nothing
 * outside src/destinations/ branches on the type.
 */
import { z } from 'zod';
import type { DestinationType } from '../shared/config.schema.js';
import type { DestinationCapability } from '../shared/destination-capabilities.js';
import { SECRET_KEYWORD } from '../shared/settings-spec.js';
import { folderDestination } from './folder/folder.js';
import { sftpDestination } from './sftp/sftp.js';
import type { DestinationDriver } from './types.js';

type AnyDestination = DestinationDriver<Record<string, unknown>>;

const entry = <S>(driver: DestinationDriver<S>): AnyDestination => driver as unknown as AnyDestination;

/** The usual delivery to a vendor first: forms list the types in this order and a new destination starts as the first. */
const DESTINATIONS: readonly AnyDestination[] = [entry(sftpDestination), entry(folderDestination)];

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

/** What a form needs to edit a destination of this type without knowing which driver it is. */
export interface DestinationDescriptor {
  readonly id: string;
  readonly displayName: string;
  readonly capabilities: readonly DestinationCapability[];
  readonly secretFields: readonly string[];
  readonly identityFields: readonly string[];
  /**
   * The settings as JSON Schema (input side: defaults, optional fields). Settings the agent learns itself
   * (a pinned host key) are `readOnly`. With several sign-in methods, `oneOf` holds one branch per method:
   * the choosing setting's `const` and that method's secret properties, `writeOnly` and `x-secret`.
   */
  readonly settingsSchema: Record<string, unknown> | null;
  /** `hostKey` capability: the setting holding the pinned fingerprint (set by trusting a key, never typed). */
  readonly hostKeySetting?: string;
}

export function describeDestination(driver: AnyDestination): DestinationDescriptor {
  return {
    id: driver.id,
    displayName: driver.displayName,
    capabilities: driver.capabilities,
    secretFields: driver.secretFields,
    identityFields: driver.identityFields ?? [],
    settingsSchema: settingsJsonSchema(driver),
    ...(driver.hostKey ? { hostKeySetting: driver.hostKey.setting } : {}),
  };
}

function settingsJsonSchema(driver: AnyDestination): Record<string, unknown> | null {
  let schema: Record<string, unknown>;
  try {
    schema = z.toJSONSchema(driver.settingsSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  } catch {
    return null;
  }
  const properties = { ...((schema.properties ?? {}) as Record<string, Record<string, unknown>>) };
  const learned = [...(driver.keptOnReimport ?? []), ...(driver.hostKey ? [driver.hostKey.setting] : [])];
  for (const name of learned) if (properties[name]) properties[name] = { ...properties[name], readOnly: true };
  const secret = (name: string): Record<string, unknown> => ({ type: 'string', writeOnly: true, [SECRET_KEYWORD]: true, title: name });
  const auth = driver.authMethods;
  if (!auth) {
    for (const name of driver.secretFields) properties[name] = secret(name);
    return { ...schema, properties };
  }
  return {
    ...schema,
    properties,
    oneOf: auth.methods.map((method) => ({
      title: method.title,
      properties: { [auth.setting]: { const: method.value }, ...Object.fromEntries(method.secretFields.map((name) => [name, secret(name)])) },
    })),
  };
}
