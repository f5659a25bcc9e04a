/**
 * Resolution, in one place: a source (its `type`, optional `profile` and own `entities`) becomes
 * the entity requests its driver reads. The profile gives every entity it knows; the source's own
 * `entities` entry replaces that entity whole (its query, or its file — a profile's header map
 * does not carry over to a file the admin chose). Every caller that reads a source's entities (the
 * run's plan, samples, the mapping wizard, the site map, the export-folder watcher) goes through here.
 */
import type { SourceConfig } from '../shared/config.schema.js';
import type { Entity } from '../shared/format.js';
import { ENTITIES } from '../shared/format.js';
import type { ProfileEngine, SisProfile } from '../shared/sis-profile.js';
import type { EntityRequest } from '../sources/types.js';
import { getSourceDriver } from '../sources/registry.js';
import { resolveProfile } from './profile.schema.js';

/** One entity's request and where it came from: the source's own entry, or its profile. */
export interface ResolvedEntity extends EntityRequest {
  readonly entity: Entity;
  readonly origin: 'source' | 'profile';
}

export type ResolvedEntities = Readonly<Partial<Record<Entity, ResolvedEntity>>>;

export class ProfileMismatchError extends Error {
  override name = 'ProfileMismatchError';
}

/** A profile runs on a source only when the source's type is one of its engines. */
export function checkProfileEngine(profile: SisProfile, sourceType: string, sourceName?: string): void {
  if (profile.engines.includes(sourceType as ProfileEngine)) return;
  const who = sourceName ? `Source "${sourceName}" is` : 'The source is';
  throw new ProfileMismatchError(
    `${who} of type ${sourceType}, but profile ${profile.id} (${profile.name}) runs on ${profile.engines.join(' or ')}: set type: ${profile.engines[0]} or choose a profile for ${sourceType}.`,
  );
}

/** The profile a source names (checked against its type), or undefined when it names none. */
export function profileOfSource(source: Pick<SourceConfig, 'name' | 'type' | 'profile'>, rawCustomProfiles: readonly unknown[] = []): SisProfile | undefined {
  if (!source.profile) return undefined;
  const profile = resolveProfile(source.profile, rawCustomProfiles);
  checkProfileEngine(profile, source.type, source.name);
  return profile;
}

/** Every entity the source can read: its profile's, each replaced by the source's own entry where it has one. */
export function resolveSourceEntities(source: Pick<SourceConfig, 'name' | 'type' | 'profile' | 'entities'>, rawCustomProfiles: readonly unknown[] = []): ResolvedEntities {
  const profile = profileOfSource(source, rawCustomProfiles);
  const out: Partial<Record<Entity, ResolvedEntity>> = {};
  for (const entity of ENTITIES) {
    const own = source.entities[entity];
    if (own) {
      out[entity] = { entity, origin: 'source', ...(own.query !== undefined ? { query: own.query } : {}), ...(own.file !== undefined ? { file: own.file } : {}) };
      continue;
    }
    const fromProfile = profile?.entities[entity];
    if (!fromProfile) continue;
    out[entity] = {
      entity,
      origin: 'profile',
      ...(fromProfile.query !== undefined ? { query: fromProfile.query } : {}),
      ...(fromProfile.file !== undefined ? { file: fromProfile.file } : {}),
      ...(fromProfile.columns !== undefined ? { columns: fromProfile.columns } : {}),
      ...(fromProfile.values !== undefined ? { values: fromProfile.values } : {}),
      ...(fromProfile.constants !== undefined ? { constants: fromProfile.constants } : {}),
      ...(profile ? { profile: profile.name } : {}),
    };
  }
  return out;
}

/** The request a driver reads for one entity (without the origin), or undefined when the source has none. */
export function entityRequestOf(resolved: ResolvedEntities, entity: Entity): EntityRequest | undefined {
  const r = resolved[entity];
  if (!r) return undefined;
  const { origin: _origin, ...request } = r;
  return request;
}

/** An export-folder profile (it maps files, not tables): its engines read files. */
export function readsFiles(profile: Pick<SisProfile, 'engines'>): boolean {
  return profile.engines.some((engine) => getSourceDriver(engine).capabilities.includes('files'));
}
