/** Write-only secrets: what the GUI may learn (which fields are set, for which server) and how drafts merge with stored values. */
import { loadSecrets, saveSecrets, staleSecret, type AgentContext } from '../../home/context.js';
import type { ConnectionIdentity } from '../../secrets/binding.js';
import { ApiError, type SecretsSet } from '../../shared/api.contract.js';
import type { Secrets } from '../../sources/types.js';
import { badRequest } from '../services.js';

export function secretsSet(ctx: AgentContext, owner: string, fields: readonly string[]): SecretsSet {
  return Object.fromEntries(fields.map((f) => [f, ctx.store.getSealedSecret(owner, f) !== undefined]));
}

/** For each stored secret field, the connection it was saved for (`host:port/db`), so a form can say it must be typed again. */
export function secretsSavedFor(ctx: AgentContext, owner: string, fields: readonly string[]): Readonly<Record<string, string>> {
  return Object.fromEntries(fields.flatMap((f) => {
    const stored = ctx.store.getSealedSecret(owner, f);
    return stored?.boundTo ? [[f, stored.boundTo]] : [];
  }));
}

/**
 * Stored secrets overlaid with the draft's: a given value wins, '' means "none", an absent field
 * keeps the stored one — but only when the draft still points at the connection it was saved for
 * (else `reenter-secret`: a draft re-pointed at another server never gets a stored secret).
 */
export function mergedSecrets(ctx: AgentContext, owner: string, fields: readonly string[], identity: ConnectionIdentity, given: Readonly<Record<string, string>> = {}): Secrets {
  checkSecretFields(fields, given);
  const storedFields = fields.filter((f) => given[f] === undefined);
  refuseStale(ctx, owner, storedFields, identity);
  const out: Record<string, string | undefined> = { ...loadSecrets(ctx, owner, storedFields, identity) };
  for (const [field, value] of Object.entries(given)) out[field] = value === '' ? undefined : value;
  return out;
}

/** Saves the given secrets bound to `identity`; refuses when a stored one that is kept would now belong to another server. */
export function storeSecrets(ctx: AgentContext, owner: string, fields: readonly string[], identity: ConnectionIdentity, given: Readonly<Record<string, string>> = {}): void {
  checkSecretFields(fields, given);
  refuseStale(ctx, owner, fields.filter((f) => given[f] === undefined), identity);
  saveSecrets(ctx, owner, given, identity);
}

function refuseStale(ctx: AgentContext, owner: string, fields: readonly string[], identity: ConnectionIdentity): void {
  const stale = staleSecret(ctx, owner, fields, identity);
  if (stale) throw new ApiError('reenter-secret', `secrets.${stale.field}: ${stale.message}`);
}

function checkSecretFields(fields: readonly string[], given: Readonly<Record<string, string>>): void {
  const unknown = Object.keys(given).filter((f) => !fields.includes(f));
  if (unknown.length) {
    throw badRequest(`secrets.${unknown[0]}: not a secret field of this connection type (expected ${fields.join(', ') || 'none'}).`);
  }
}

/** Moves every sealed secret of one owner to another (renames), with the connection each was saved for. */
export function moveSecrets(ctx: AgentContext, from: string, to: string): void {
  for (const s of ctx.store.listSealedSecrets()) {
    if (s.owner !== from || s.binding === null) continue;
    ctx.store.setSealedSecret(to, s.field, s.sealed, { hash: s.binding, label: s.boundTo ?? '' });
  }
  ctx.store.deleteSecrets(from);
}
