import type { ConnectionTypeInfo, DestinationConfig, DestinationView } from '../../api/types.js';
import { secretsToReenterFor } from '../../components/settings-form.js';

/** Secret fields the current sign-in method does not use (SFTP: the password when signing in with a key, and the other way round). */
export function hiddenSecrets(config: DestinationConfig): string[] {
  if (config.type !== 'sftp') return [];
  return config.settings.authMethod === 'key' ? ['password'] : ['privateKey', 'passphrase'];
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
  const stale = Object.keys(secretsToReenterFor(types.find((t) => t.id === config.type), view, config.settings, secrets));
  const hidden = hiddenSecrets(config);
  return { ...secrets, ...Object.fromEntries(stale.filter((f) => hidden.includes(f)).map((f) => [f, ''])) };
}
