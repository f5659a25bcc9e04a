/** Destinations: list/get/save/delete, connection test, host-key probe and trust (the `hostKey` capability). */
import { homeArg } from '../../home/layout.js';
import { destinationIdentity, destinationSecretOwner, type AgentContext } from '../../home/context.js';
import { getDestinationDriver } from '../../destinations/registry.js';
import { HOST_KEY_SEEN_STATE } from '../../destinations/types.js';
import { isFingerprint, normalizeFingerprint } from '../../shared/fingerprint.js';
import type { DestinationConfig } from '../../shared/config.schema.js';
import { ApiError, type DestinationView } from '../../shared/api.contract.js';
import { badRequest, notFound } from '../services.js';
import { mergedSecrets, secretsSavedFor, secretsSet, storeSecrets } from './secrets.js';
import { asBadRequest } from './validate.js';
import { destinationFailure } from './connection-failure.js';
import { checkDestination, checkDestinationSettings } from '../../home/config-door.js';
import type { HandlerGroup } from './types.js';

export function destinationView(ctx: AgentContext, config: DestinationConfig): DestinationView {
  const driver = getDestinationDriver(config.type);
  const owner = destinationSecretOwner(config.name);
  return {
    config,
    secretsSet: secretsSet(ctx, owner, driver.secretFields),
    secretsSavedFor: secretsSavedFor(ctx, owner, driver.secretFields),
    ...(driver.hostKey
      ? { hostKey: { trusted: driver.hostKey.pinned(driver.settingsSchema.parse(config.settings)), lastSeen: ctx.store.getDestinationState(config.name, HOST_KEY_SEEN_STATE) ?? null } }
      : {}),
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
    // The GUI offers "Trust this key" beside the result: the message names no command to run.
    const result = await driver.check(driver.settingsSchema.parse(config.settings), merged, { destinationName: config.name, homeArgs: homeArg(ctx.layout.home), trustInPlace: true });
    if (result.hostKey && ctx.store.getDestination(config.name)) ctx.store.setDestinationState(config.name, HOST_KEY_SEEN_STATE, result.hostKey.presented);
    const { code: _code, ...view } = result;
    return result.ok ? view : { ...view, error: destinationFailure(result) };
  },

  probeHostKey: async ({ type, settings }) => {
    const driver = getDestinationDriver(type);
    if (!driver.hostKey) throw badRequest(`type: ${driver.displayName} destinations have no host key.`);
    try {
      const info = await driver.hostKey.probe(settings);
      return { fingerprint: info.fingerprint, keyType: info.keyType };
    } catch (err) {
      throw new ApiError('failed', (err as Error).message);
    }
  },

  trustHostKey: ({ destination, fingerprint, replacing }, { ctx }) => {
    const config = ctx.store.getDestination(destination);
    if (!config) throw notFound(`No destination named "${destination}".`);
    const driver = getDestinationDriver(config.type);
    const hostKey = driver.hostKey;
    if (!hostKey) throw badRequest(`destination: ${destination} delivers to ${driver.displayName}, which has no host key.`);
    const normalized = normalizeFingerprint(fingerprint);
    if (!isFingerprint(normalized)) throw badRequest(`fingerprint: expected SHA256: followed by 43 base64 characters, as ssh-keygen -l prints it; got "${fingerprint}".`);
    const settings = driver.settingsSchema.parse(config.settings);
    const trusted = hostKey.pinned(settings);
    // Replacing a trusted key is what a man-in-the-middle needs: only with the confirmation that named the key it replaces.
    if (trusted !== '' && trusted !== normalized && (replacing === undefined || normalizeFingerprint(replacing) !== trusted)) {
      throw new ApiError(
        'conflict',
        replacing === undefined
          ? `${destination} trusts ${trusted}; replacing it with ${normalized} needs the confirmation naming the key it replaces (replacing: "${trusted}").`
          : `${destination} now trusts ${trusted}, not ${replacing}: nothing was changed; check the key again.`,
      );
    }
    asBadRequest(() => ctx.store.saveDestination({ ...config, settings: hostKey.pin(settings, normalized) }), 'config');
    return destinationView(ctx, ctx.store.getDestination(destination)!);
  },
};
