/** Write-only secrets: what the GUI may learn (which fields are set) and how drafts merge with stored values. */
import { loadSecrets, saveSecrets, type AgentContext } from '../../agent/context.js';
import type { SecretsSet } from '../../shared/api.contract.js';
import type { Secrets } from '../../sources/types.js';
import { badRequest } from '../services.js';

export function secretsSet(ctx: AgentContext, owner: string, fields: readonly string[]): SecretsSet {
  return Object.fromEntries(fields.map((f) => [f, ctx.store.getSealedSecret(owner, f) !== undefined]));
}

/** Stored secrets overlaid with the draft's: a given value wins, '' means "none", an absent field keeps the stored one. */
export function mergedSecrets(ctx: AgentContext, owner: string, fields: readonly string[], given: Readonly<Record<string, string>> = {}): Secrets {
  checkSecretFields(fields, given);
  const stored = loadSecrets(ctx, owner, fields);
  const out: Record<string, string | undefined> = { ...stored };
  for (const [field, value] of Object.entries(given)) out[field] = value === '' ? undefined : value;
  return out;
}

export function storeSecrets(ctx: AgentContext, owner: string, fields: readonly string[], given: Readonly<Record<string, string>> = {}): void {
  checkSecretFields(fields, given);
  saveSecrets(ctx, owner, given);
}

function checkSecretFields(fields: readonly string[], given: Readonly<Record<string, string>>): void {
  const unknown = Object.keys(given).filter((f) => !fields.includes(f));
  if (unknown.length) {
    throw badRequest(`secrets.${unknown[0]}: not a secret field of this connection type (expected ${fields.join(', ') || 'none'}).`);
  }
}

/** Moves every sealed secret of one owner to another (renames). */
export function moveSecrets(ctx: AgentContext, from: string, to: string): void {
  for (const s of ctx.store.listSealedSecrets()) {
    if (s.owner !== from) continue;
    ctx.store.setSealedSecret(to, s.field, s.sealed);
  }
  ctx.store.deleteSecrets(from);
}
