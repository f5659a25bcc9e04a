import type { ConnectionTypeInfo, DestinationConfig, DestinationView } from '../../api/types.js';
import { secretsToReenterFor } from '../../components/settings-form.js';
import { secretsInUse } from '../../../../src/shared/settings-spec.js';

/** Secret fields the chosen sign-in method does not use (the descriptor's `oneOf` per method names each one's secrets). */
export function hiddenSecrets(type: ConnectionTypeInfo | undefined, config: DestinationConfig): string[] {
  if (!type) return [];
  const used = secretsInUse(type.settingsSchema, config.settings);
  return type.secretFields.filter((field) => !used.includes(field));
}

/**
 * The typed secrets, plus '' (remove) for stored ones the form hides that belong to the previous
 * server: nobody can type them again there, and the agent refuses to keep them for the new one.
 */
export function withStaleHiddenCleared(
  types: readonly ConnectionTypeInfo[],
  view: DestinationView | undefined,
  config: DestinationConfig,
  secrets: Record<string, string>,
): Record<string, string> {
  const type = types.find((t) => t.id === config.type);
  const stale = Object.keys(secretsToReenterFor(type, view, config.settings, secrets));
  const hidden = hiddenSecrets(type, config);
  return { ...secrets, ...Object.fromEntries(stale.filter((f) => hidden.includes(f)).map((f) => [f, ''])) };
}
