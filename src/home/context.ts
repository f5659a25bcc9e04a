/**
 * The agent's open state for one process: home folder, store and vault. Every entry point
 * (CLI command, daemon, local API) opens one and closes it when done.
 */
import { mkdirSync } from 'node:fs';
import { homeLayout, machineKeyLocation, resolveHome, type HomeLayout } from './layout.js';
import { Store } from '../store/store.js';
import { CONFIG_DOOR } from './config-door.js';
import { Vault } from '../secrets/vault.js';
import { bindingOf, hostPart, SecretBindingError, type ConnectionIdentity } from '../secrets/binding.js';
import { getSourceDriver } from '../sources/registry.js';
import { getDestinationDriver } from '../destinations/registry.js';
import type { DestinationConfig, NotificationsConfig, SourceConfig } from '../shared/config.schema.js';
import type { Secrets } from '../sources/types.js';
import { fileSink, Logger } from '../log/logger.js';

export interface AgentContext {
  readonly layout: HomeLayout;
  readonly store: Store;
  readonly vault: Vault;
  /** The agent's log: a rotating file in the data folder (src/log/); the agent adds its console. */
  readonly log: Logger;
}

/**
 * Opens the data folder. The store is refused when damaged (src/store/store-file.ts); the vault
 * opens even without its key, and then refuses to seal or unseal, saying which key it needs.
 */
export function openAgent(home?: string, env: NodeJS.ProcessEnv = process.env): AgentContext {
  const layout = homeLayout(resolveHome(home, env));
  mkdirSync(layout.home, { recursive: true, mode: 0o750 });
  const store = new Store(layout.storePath, CONFIG_DOOR, { backupsDir: layout.backupsDir });
  try {
    const vault = Vault.open(machineKeyLocation(layout, env), { recordedKeyId: store.getMachineKeyId(), sealedSecrets: store.countSealedSecrets() });
    const ctx: AgentContext = { layout, store, vault, log: new Logger([fileSink(layout.logFile)]) };
    if (vault.keyId !== undefined && vault.keyId !== store.getMachineKeyId()) store.setMachineKeyId(vault.keyId);
    bindUnboundSecrets(ctx);
    return ctx;
  } catch (err) {
    store.close();
    throw err;
  }
}

export function closeAgent(ctx: AgentContext): void {
  ctx.store.close();
}

export const sourceSecretOwner = (name: string): string => `source:${name}`;
export const destinationSecretOwner = (name: string): string => `destination:${name}`;
/** The owner of the notification channels' secrets: the SMTP password (field `password`) and the webhook URL. */
export const NOTIFICATIONS_SECRET_OWNER = 'notifications';
export const SMTP_PASSWORD_FIELD = 'password';

/** Connections without a server (folders, SQLite files) keep secrets bound to their own name. */
const ownIdentity = (owner: string): ConnectionIdentity => ({ label: owner, parts: ['owner', owner] });

export function sourceIdentity(config: SourceConfig): ConnectionIdentity {
  const driver = getSourceDriver(config.type);
  return driver.connectionIdentity ? driver.connectionIdentity(config.settings) : ownIdentity(sourceSecretOwner(config.name));
}

export function destinationIdentity(config: DestinationConfig): ConnectionIdentity {
  const driver = getDestinationDriver(config.type);
  return driver.connectionIdentity ? driver.connectionIdentity(driver.settingsSchema.parse(config.settings)) : ownIdentity(destinationSecretOwner(config.name));
}

/** The SMTP password belongs to one account on one mail server. */
export function smtpIdentity(config: NotificationsConfig): ConnectionIdentity {
  return { label: `${config.user ? `${config.user}@` : ''}${config.host}:${config.port}`, parts: [hostPart(config.host), config.port, config.user] };
}

/**
 * The connection a secret is for, as configured now; undefined when its owner is not configured.
 * A notification secret other than the SMTP password (the webhook URL) is itself the address, so
 * it is bound to its own name.
 */
function configuredIdentity(ctx: AgentContext, owner: string, field: string): ConnectionIdentity | undefined {
  if (owner === NOTIFICATIONS_SECRET_OWNER) return field === SMTP_PASSWORD_FIELD ? smtpIdentity(ctx.store.getNotifications()) : ownIdentity(`${owner}.${field}`);
  const [kind, ...rest] = owner.split(':');
  const name = rest.join(':');
  if (kind === 'source') {
    const config = ctx.store.getSource(name);
    return config && sourceIdentity(config);
  }
  if (kind === 'destination') {
    const config = ctx.store.getDestination(name);
    return config && destinationIdentity(config);
  }
  return undefined;
}

function requireConfiguredIdentity(ctx: AgentContext, owner: string, field: string): ConnectionIdentity {
  const identity = configuredIdentity(ctx, owner, field);
  if (!identity) throw new Error(`Secrets of "${owner}": no such source, destination or notification setting is configured.`);
  return identity;
}

/**
 * Secrets stored before bindings existed (schema 4) are bound once to the connection they are
 * configured for at upgrade, and re-sealed with that binding authenticated.
 */
function bindUnboundSecrets(ctx: AgentContext): void {
  const unbound = ctx.store.listSealedSecrets().filter((s) => s.binding === null);
  if (!unbound.length || ctx.vault.problem) return;
  ctx.store.transaction(() => {
    for (const s of unbound) {
      const identity = configuredIdentity(ctx, s.owner, s.field);
      if (!identity) continue;
      const binding = bindingOf(identity);
      ctx.store.setSealedSecret(s.owner, s.field, ctx.vault.seal(ctx.vault.unseal(s.sealed, binding.hash), binding.hash), binding);
    }
  }, 'immediate');
}

/**
 * The stored secrets of `owner` for a connection to `identity` (by default: the connection each
 * field is configured for). A secret saved for another connection is never unsealed for this one:
 * SecretBindingError.
 */
export function loadSecrets(ctx: AgentContext, owner: string, fields: readonly string[], identity?: ConnectionIdentity): Secrets {
  const stale = staleSecret(ctx, owner, fields, identity);
  if (stale) throw stale;
  const out: Record<string, string | undefined> = {};
  for (const field of fields) {
    const stored = ctx.store.getSealedSecret(owner, field);
    if (stored?.binding) out[field] = ctx.vault.unseal(stored.sealed, stored.binding);
  }
  return out;
}

export function loadSourceSecrets(ctx: AgentContext, config: SourceConfig): Secrets {
  return loadSecrets(ctx, sourceSecretOwner(config.name), getSourceDriver(config.type).secretFields, sourceIdentity(config));
}

export function loadDestinationSecrets(ctx: AgentContext, config: DestinationConfig): Secrets {
  return loadSecrets(ctx, destinationSecretOwner(config.name), getDestinationDriver(config.type).secretFields, destinationIdentity(config));
}

/**
 * Stores (or, with an empty value, removes) secret fields, sealed under the machine key and bound
 * to `identity` (by default the connection each field is configured for).
 */
export function saveSecrets(
  ctx: AgentContext,
  owner: string,
  secrets: Readonly<Record<string, string | undefined>>,
  identity?: ConnectionIdentity,
): void {
  for (const [field, value] of Object.entries(secrets)) {
    if (value === undefined) continue;
    if (value === '') {
      ctx.store.deleteSecret(owner, field);
      continue;
    }
    const binding = bindingOf(identity ?? requireConfiguredIdentity(ctx, owner, field));
    ctx.store.setSealedSecret(owner, field, ctx.vault.seal(value, binding.hash), binding);
  }
}

/**
 * The first stored secret among `fields` of `owner` that the connection `identity` (by default the
 * configured one) may not use, because it was saved for another server: as a SecretBindingError.
 */
export function staleSecret(ctx: AgentContext, owner: string, fields: readonly string[], identity?: ConnectionIdentity): SecretBindingError | undefined {
  for (const field of fields) {
    const stored = ctx.store.getSealedSecret(owner, field);
    if (!stored) continue;
    const expected = identity ?? requireConfiguredIdentity(ctx, owner, field);
    if (stored.binding !== bindingOf(expected).hash) return new SecretBindingError(field, stored.boundTo ?? 'a connection configured before secrets were bound', expected.label);
  }
  return undefined;
}

/** Every stored secret that its configured connection may not use (saved for another server), e.g. after a config import re-pointed it. */
export function staleSecrets(ctx: AgentContext): SecretBindingError[] {
  return ctx.store.listSealedSecrets().flatMap((s) => {
    const identity = configuredIdentity(ctx, s.owner, s.field);
    const stale = identity && staleSecret(ctx, s.owner, [s.field], identity);
    return stale ? [stale] : [];
  });
}
