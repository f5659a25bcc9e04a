/**
 * The agent's open state for one process: home folder, store and vault. Every entry point
 * (CLI command, daemon, local API) opens one and closes it when done.
 */
import { mkdirSync } from 'node:fs';
import { homeLayout, resolveHome, type HomeLayout } from './home.js';
import { Store } from '../store/store.js';
import { Vault } from '../secrets/vault.js';
import type { Secrets } from '../sources/types.js';

export interface AgentContext {
  readonly layout: HomeLayout;
  readonly store: Store;
  readonly vault: Vault;
}

export function openAgent(home?: string): AgentContext {
  const layout = homeLayout(resolveHome(home));
  mkdirSync(layout.home, { recursive: true, mode: 0o750 });
  const store = new Store(layout.storePath);
  const vault = Vault.open(layout.home);
  return { layout, store, vault };
}

export function closeAgent(ctx: AgentContext): void {
  ctx.store.close();
}

export const sourceSecretOwner = (name: string): string => `source:${name}`;
export const destinationSecretOwner = (name: string): string => `destination:${name}`;

export function loadSecrets(ctx: AgentContext, owner: string, fields: readonly string[]): Secrets {
  const out: Record<string, string | undefined> = {};
  for (const field of fields) {
    const sealed = ctx.store.getSealedSecret(owner, field);
    if (sealed !== undefined) out[field] = ctx.vault.unseal(sealed);
  }
  return out;
}

/** Stores (or, with an empty value, removes) secret fields, sealed under the machine key. */
export function saveSecrets(ctx: AgentContext, owner: string, secrets: Readonly<Record<string, string | undefined>>): void {
  for (const [field, value] of Object.entries(secrets)) {
    if (value === undefined) continue;
    if (value === '') ctx.store.deleteSecret(owner, field);
    else ctx.store.setSealedSecret(owner, field, ctx.vault.seal(value));
  }
}
