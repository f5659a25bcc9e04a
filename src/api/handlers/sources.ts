/** Sources: list/get/save/delete, and test/discover/sample on a draft (unsaved edits with stored secrets). */
import { sourceIdentity, sourceSecretOwner, type AgentContext } from '../../home/context.js';
import { getSourceDriver } from '../../sources/registry.js';
import type { EntityRequest } from '../../sources/types.js';
import type { SourceConfig } from '../../shared/config.schema.js';
import { ENTITIES } from '../../shared/format.js';
import type { SourceView } from '../../shared/api.contract.js';
import { ApiError } from '../../shared/api.contract.js';
import { badRequest, notFound } from '../services.js';
import { mergedSecrets, moveSecrets, secretsSavedFor, secretsSet, storeSecrets } from './secrets.js';
import { asBadRequest } from './validate.js';
import { checkSource } from '../../home/config-door.js';
import { entityRequestOf, profileOfSource, resolveSourceEntities } from '../../profiles/resolve.js';
import { sourceFailure } from './connection-failure.js';
import { assertProfileSchema, detectProfiles } from '../../profiles/detect.js';
import { isBuiltInProfile, listProfiles } from '../../profiles/registry.js';
import { loadCustomProfiles } from '../../profiles/profile.schema.js';
import type { HandlerGroup } from './types.js';

export function sourceView(ctx: AgentContext, config: SourceConfig): SourceView {
  const driver = getSourceDriver(config.type);
  const owner = sourceSecretOwner(config.name);
  return { config, secretsSet: secretsSet(ctx, owner, driver.secretFields), secretsSavedFor: secretsSavedFor(ctx, owner, driver.secretFields) };
}

/** A drafted source passes the same checks as a saved one before anything connects. */
function draftDriver(ctx: AgentContext, config: SourceConfig, secrets: Readonly<Record<string, string>> | undefined) {
  asBadRequest(() => checkSource(config, ctx.store), 'config');
  const driver = getSourceDriver(config.type);
  return { driver, secrets: mergedSecrets(ctx, sourceSecretOwner(config.name), driver.secretFields, sourceIdentity(config), secrets) };
}

export const sourceHandlers: HandlerGroup<
  'listSources' | 'getSource' | 'saveSource' | 'deleteSource' | 'testSource' | 'discoverSource' | 'detectSource' | 'listProfiles' | 'sampleSource'
> = {
  listSources: (_input, { ctx }) => ctx.store.listSources().map((s) => sourceView(ctx, s)),

  getSource: ({ name }, { ctx }) => {
    const config = ctx.store.getSource(name);
    if (!config) throw notFound(`No source named "${name}".`);
    return sourceView(ctx, config);
  },

  saveSource: ({ config, secrets, previousName }, { ctx, scheduler }) => {
    const { store } = ctx;
    const driver = getSourceDriver(config.type);
    const renaming = previousName !== undefined && previousName !== config.name;
    if (renaming) {
      if (!store.getSource(previousName)) throw notFound(`No source named "${previousName}" to rename.`);
      if (store.getSource(config.name)) throw new ApiError('conflict', `config.name: a source named "${config.name}" already exists.`);
    }
    asBadRequest(
      () =>
        store.transaction(() => {
          store.saveSource(config);
          if (renaming) {
            moveSecrets(ctx, sourceSecretOwner(previousName), sourceSecretOwner(config.name));
            for (const d of store.listDestinations().filter((d) => d.source === previousName)) store.saveDestination({ ...d, source: config.name });
            store.deleteSource(previousName);
          }
          storeSecrets(ctx, sourceSecretOwner(config.name), driver.secretFields, sourceIdentity(config), secrets);
        }),
      'config',
    );
    if (renaming) scheduler.reload?.();
    return sourceView(ctx, store.getSource(config.name)!);
  },

  deleteSource: ({ name }, { ctx }) => {
    if (!ctx.store.getSource(name)) throw notFound(`No source named "${name}".`);
    try {
      ctx.store.deleteSource(name);
    } catch (err) {
      throw new ApiError('conflict', (err as Error).message);
    }
    return { ok: true };
  },

  testSource: async ({ config, secrets }, { ctx }) => {
    const { driver, secrets: merged } = draftDriver(ctx, config, secrets);
    try {
      const result = await driver.check(config.settings, merged);
      // A source read through a SIS profile must have the profile's tables: said now, not at the first run.
      const profile = profileOfSource(config, ctx.store.listCustomProfiles());
      if (profile && !ENTITIES.every((e) => config.entities[e])) assertProfileSchema(profile, await driver.discover(config.settings, merged), config.name);
      return { ...result };
    } catch (err) {
      const error = sourceFailure(err);
      return { ok: false, message: error.message, error };
    }
  },

  discoverSource: async ({ config, secrets }, { ctx }) => {
    const { driver, secrets: merged } = draftDriver(ctx, config, secrets);
    return driver.discover(config.settings, merged);
  },

  detectSource: async ({ config, secrets }, { ctx }) => {
    const { driver, secrets: merged } = draftDriver(ctx, config, secrets);
    let tables: Awaited<ReturnType<typeof driver.discover>>;
    try {
      tables = await driver.discover(config.settings, merged);
    } catch (err) {
      const error = sourceFailure(err);
      return { ok: false, error, matches: [], message: error.message };
    }
    return { ok: true, ...detectProfiles(tables, config.type, listProfiles(loadCustomProfiles(ctx.store.listCustomProfiles()).profiles)) };
  },

  listProfiles: (_input, { ctx }) =>
    listProfiles(loadCustomProfiles(ctx.store.listCustomProfiles()).profiles).map((profile) => ({ profile, builtIn: isBuiltInProfile(profile.id) })),

  sampleSource: async ({ config, secrets, table, entity, query, limit }, { ctx }) => {
    const { driver, secrets: merged } = draftDriver(ctx, config, secrets);
    let request: EntityRequest | { table: string };
    if (table) request = { table };
    else if (entity) {
      const resolved = entityRequestOf(resolveSourceEntities(config, ctx.store.listCustomProfiles()), entity);
      if (!resolved) throw badRequest(`config.entities.${entity}: no query or file is set for ${entity}${config.profile ? `, and profile ${config.profile} gives none` : ''}.`);
      request = resolved;
    } else request = { entity: 'query', query: query! };
    return driver.sample(config.settings, merged, request, limit);
  },
};
