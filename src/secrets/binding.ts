/**
 * Secrets stay where they were saved: every sealed secret carries a binding, the hash of the
 * connection it was saved for (database host/port/name, SFTP host/port/user, SMTP host/port/user).
 * A stored secret is handed to a driver only when the connection it is about to reach has the
 * same binding; re-pointing a source at another server needs the secret typed again, so nobody
 * who can edit the configuration can make the agent send a stored password somewhere else.
 */
import { createHash } from 'node:crypto';
import { SecretError } from './vault.js';

/** What a secret is bound to: the parts that name the server (hashed), and how an admin reads them. */
export interface ConnectionIdentity {
  /** e.g. `sis.district.local:5432/sis`, shown in messages. */
  readonly label: string;
  readonly parts: readonly (string | number | undefined)[];
}

export interface SecretBinding {
  /** sha256 of the identity's parts (hex). */
  readonly hash: string;
  readonly label: string;
}

export function bindingOf(identity: ConnectionIdentity): SecretBinding {
  const hash = createHash('sha256')
    .update(JSON.stringify(['rostersync-secret-binding-v1', ...identity.parts.map((p) => (p === undefined ? null : p))]))
    .digest('hex');
  return { hash, label: identity.label };
}

/** Host names compare case-insensitively; everything else exactly. */
export const hostPart = (host: string): string => host.trim().toLowerCase();

/** Database servers: a password belongs to one host, port and database. */
export const HOST_PORT_DATABASE: readonly string[] = ['host', 'port', 'database'];

export function hostPortDatabaseIdentity(s: { readonly host: string; readonly port: number; readonly database: string }): ConnectionIdentity {
  return { label: `${s.host}:${s.port}/${s.database}`, parts: [hostPart(s.host), s.port, s.database] };
}

const FIELD_WORDS: Readonly<Record<string, string>> = { password: 'password', privateKey: 'private key', passphrase: 'key passphrase' };

/** A stored secret asked for by a connection other than the one it was saved for. */
export class SecretBindingError extends SecretError {
  override name = 'SecretBindingError';
  constructor(
    readonly field: string,
    readonly savedFor: string,
    readonly requestedFor: string,
  ) {
    super(`The ${FIELD_WORDS[field] ?? field} was saved for ${savedFor}; enter it again to use it with the new server (${requestedFor}).`);
  }
}
