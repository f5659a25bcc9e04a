/** Destinations: list/get/save/delete, connection test, SFTP host-key probe and trust. */
import { homeArg } from '../../home/layout.js';
import { destinationIdentity, destinationSecretOwner, type AgentContext } from '../../home/context.js';
import { getDestinationDriver } from '../../destinations/registry.js';
import { probeHostKey, SEEN_FINGERPRINT_KEY } from '../../destinations/sftp/sftp.js';
import { isFingerprint, normalizeFingerprint } from '../../destinations/sftp/sftp-host-key.js';
import type { DestinationConfig } from '../../shared/config.schema.js';
import { ApiError, type DestinationView } from '../../shared/api.contract.js';
import { badRequest, notFound } from '../services.js';
import { mergedSecrets, secretsSavedFor, secretsSet, storeSecrets } from './secrets.js';
import { asBadRequest } from './validate.js';
import { checkDestination, checkDestinationSettings } from '../../home/config-door.js';
import type { HandlerGroup } from './types.js';

export function destinationView(ctx: AgentContext, config: DestinationConfig): DestinationView {
  const driver = getDestinationDriver(config.type);
  const owner = destinationSecretOwner(config.name);
  return {
    config,
    secretsSet: secretsSet(ctx, owner, driver.secretFields),
    secretsSavedFor: secretsSavedFor(ctx, owner, driver.secretFields),
    seenFingerprint: ctx.store.getDestinationState(config.name, SEEN_FINGERPRINT_KEY) ?? null,
  };
}

/** A drafted destination passes the same checks as a saved one (src/home/config-door.ts): 400 naming `config.…`. */
export function checkDestinationDraft(ctx: AgentContext, config: DestinationConfig): void {
  asBadRequest(() => checkDestination(config, ctx.store), 'config');
}

export const destinationHandlers: HandlerGroup<
  'listDestinations' | 'getDestination' | 'saveDestination' | 'deleteDestination' | 'testDestination' | 'probeHostKey' | 'trustHostKey'
> = {
  listDestinations: (_input, { ctx }) => ctx.store.listDestinations().map((d) => destinationView(ctx, d)),

  getDestination: ({ name }, { ctx }) => {
    const config = ctx.store.getDestination(name);
    if (!config) throw notFound(`No destination named "${name}".`);
    return destinationView(ctx, config);
  },

  saveDestination: ({ config, secrets }, { ctx, scheduler }) => {
    const driver = getDestinationDriver(config.type);
    asBadRequest(
      () =>
        ctx.store.transaction(() => {
          ctx.store.saveDestination(config);
          storeSecrets(ctx, destinationSecretOwner(config.name), driver.secretFields, destinationIdentity(config), secrets);
        }),
      'config',
    );
    scheduler.reload?.();
    return destinationView(ctx, ctx.store.getDestination(config.name)!);
  },

  deleteDestination: ({ name }, { ctx, runs, scheduler }) => {
    if (!ctx.store.getDestination(name)) throw notFound(`No destination named "${name}".`);
    if (runs.busyDestinations().includes(name)) throw new ApiError('conflict', `${name} is running; delete it when the run has finished.`);
    ctx.store.deleteDestination(name);
    scheduler.reload?.();
    return { ok: true };
  },

  testDestination: async ({ config, secrets }, { ctx }) => {
    const driver = getDestinationDriver(config.type);
    asBadRequest(() => checkDestinationSettings(config.type, config.settings), 'config');
    const merged = mergedSecrets(ctx, destinationSecretOwner(config.name), driver.secretFields, destinationIdentity(config), secrets);
    const result = await driver.check(driver.settingsSchema.parse(config.settings), merged, { destinationName: config.name, homeArgs: homeArg(ctx.layout.home) });
    if (result.fingerprint && ctx.store.getDestination(config.name)) ctx.store.setDestinationState(config.name, SEEN_FINGERPRINT_KEY, result.fingerprint);
    return { ...result };
  },

  probeHostKey: async ({ host, port }) => {
    try {
      const info = await probeHostKey({ host, port });
      return { fingerprint: info.fingerprint, keyType: info.keyType };
    } catch (err) {
      throw new ApiError('failed', (err as Error).message);
    }
  },

  trustHostKey: ({ destination, fingerprint }, { ctx }) => {
    const config = ctx.store.getDestination(destination);
    if (!config) throw notFound(`No destination named "${destination}".`);
    const driver = getDestinationDriver(config.type);
    if (!driver.hostKey) throw badRequest(`destination: ${destination} delivers to ${driver.displayName}, which has no host key.`);
    const normalized = normalizeFingerprint(fingerprint);
    if (!isFingerprint(normalized)) throw badRequest(`fingerprint: expected SHA256: followed by 43 base64 characters, as ssh-keygen -l prints it; got "${fingerprint}".`);
    asBadRequest(() => ctx.store.saveDestination({ ...config, settings: driver.hostKey!.pin(driver.settingsSchema.parse(config.settings), normalized) }), 'config');
    return destinationView(ctx, ctx.store.getDestination(destination)!);
  },
};
