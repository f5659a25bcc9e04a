/**
 * Secrets at rest: AES-256-GCM under a random 256-bit machine key kept in `<home>/machine.key`,
 * a file only the agent's account (and administrators) can read. The agent — whichever account
 * runs it — seals and unseals; nothing else ever sees a clear-text secret, and no secret is logged.
 *
 * Sealed form: `v1:<iv>:<tag>:<ciphertext>` (base64). For a config file carried to another machine,
 * `sealWithPassphrase` uses a key derived with scrypt from an admin's passphrase: `p1:<salt>:<iv>:<tag>:<ct>`.
 */
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';

const KEY_FILE = 'machine.key';

export class SecretError extends Error {
  override name = 'SecretError';
}

function encrypt(key: Buffer, plain: string): { iv: string; tag: string; ct: string } {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return { iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), ct: ct.toString('base64') };
}

function decrypt(key: Buffer, iv: string, tag: string, ct: string): string {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
  decipher.setAuthTag(Buffer.from(tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(ct, 'base64')), decipher.final()]).toString('utf8');
}

export class Vault {
  private constructor(private readonly key: Buffer) {}

  /** Loads the machine key from the home folder, creating it (mode 0600) on first use. */
  static open(home: string): Vault {
    const path = join(home, KEY_FILE);
    if (!existsSync(path)) {
      mkdirSync(dirname(path), { recursive: true });
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, randomBytes(32).toString('base64') + '\n', { mode: 0o600 });
      renameSync(tmp, path);
    }
    let key: Buffer;
    try {
      key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
    } catch (err) {
      throw new SecretError(
        `Cannot read the machine key ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'}): run RosterSync as the account that owns its data folder, or as an administrator.`,
      );
    }
    if (key.length !== 32) throw new SecretError(`The machine key ${path} is damaged (expected 32 bytes). Restore it from backup; secrets sealed with it cannot be read otherwise.`);
    if (process.platform !== 'win32') {
      try {
        chmodSync(path, 0o600);
      } catch {
        // read-only access is enough to unseal
      }
    }
    return new Vault(key);
  }

  seal(plain: string): string {
    const { iv, tag, ct } = encrypt(this.key, plain);
    return `v1:${iv}:${tag}:${ct}`;
  }

  unseal(sealed: string): string {
    const [version, iv, tag, ct] = sealed.split(':');
    if (version !== 'v1' || !iv || !tag || ct === undefined) throw new SecretError('A stored secret is not in the expected sealed form.');
    try {
      return decrypt(this.key, iv, tag, ct);
    } catch {
      throw new SecretError('A stored secret cannot be decrypted with this machine key (was the store copied from another machine?). Enter the secret again.');
    }
  }
}

export function sealWithPassphrase(plain: string, passphrase: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(passphrase, salt, 32);
  const { iv, tag, ct } = encrypt(key, plain);
  return `p1:${salt.toString('base64')}:${iv}:${tag}:${ct}`;
}

export function unsealWithPassphrase(sealed: string, passphrase: string): string {
  const [version, salt, iv, tag, ct] = sealed.split(':');
  if (version !== 'p1' || !salt || !iv || !tag || ct === undefined) throw new SecretError('An exported secret is not in the expected sealed form.');
  try {
    return decrypt(scryptSync(passphrase, Buffer.from(salt, 'base64'), 32), iv, tag, ct);
  } catch {
    throw new SecretError('Wrong passphrase for the secrets in this configuration file.');
  }
}
