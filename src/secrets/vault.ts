/**
 * Secrets at rest: AES-256-GCM under a random 256-bit machine key. The key lives in a file only
 * the agent's account (and administrators) can read: `<home>/machine.key` by default, or outside
 * the data folder (a systemd credential, ROSTERSYNC_KEY_FILE, or `keyFile` in the home config; see
 * src/agent/home.ts), so a copy of the data folder alone does not unseal anything.
 *
 * Sealed form: `v2:<iv>:<tag>:<ciphertext>` (base64), with the secret's binding (src/secrets/binding.ts)
 * as additional authenticated data, so a binding edited in the store makes the secret unreadable
 * instead of redirecting it. `v1:` (no binding) is still read. For a config file carried to another
 * machine, `sealWithPassphrase` uses a key derived with scrypt from an admin's passphrase:
 * `p1:<salt>:<iv>:<tag>:<ct>`.
 *
 * The store records the key's id (a hash of the key, never the key), so a wrong or missing key is
 * named as such instead of surfacing as a decryption failure.
 *
 * On Windows the key file holds the key protected with DPAPI in machine scope (src/secrets/dpapi.ts):
 * a new key is written so, and a plain key found there is converted in place.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, scryptSync } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { DpapiError, DpapiRefused, dpapiProtector, protectedBlobOf, protectedKeyFile, type KeyProtector } from './dpapi.js';

export class SecretError extends Error {
  override name = 'SecretError';
}

/** The machine key is missing, damaged or not the one the store's secrets were sealed with. */
export class MachineKeyError extends SecretError {
  override name = 'MachineKeyError';
}

/** Where the machine key is read from, and whether a missing one may be created there. */
export interface KeyLocation {
  readonly path: string;
  /** How the path was chosen, for messages: "the data folder", "ROSTERSYNC_KEY_FILE", … */
  readonly origin: string;
  /** False for a systemd credential: systemd hands it over read-only and the agent must not invent one. */
  readonly creatable: boolean;
}

/** What the store knows about the key its secrets were sealed with. */
export interface SealedState {
  readonly recordedKeyId: string | undefined;
  readonly sealedSecrets: number;
}

const KEY_BYTES = 32;
/** How long a process that lost the race to create the key waits for the winner to finish writing it. */
const KEY_WRITE_WAIT_MS = 3000;

function encrypt(key: Buffer, plain: string, aad?: string): { iv: string; tag: string; ct: string } {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  if (aad !== undefined) cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return { iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), ct: ct.toString('base64') };
}

function decrypt(key: Buffer, parts: { iv: string; tag: string; ct: string }, aad?: string): string {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(parts.iv, 'base64'));
  if (aad !== undefined) decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(Buffer.from(parts.tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(parts.ct, 'base64')), decipher.final()]).toString('utf8');
}

/** A short public name of a key (a hash, from which the key cannot be recovered). */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update('rostersync-machine-key-id:').update(key).digest('hex').slice(0, 16);
}

const sleep = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

/**
 * Creates the key with an exclusive create ('wx'), never by writing a temporary and renaming it over:
 * of several processes opening a fresh home at once exactly one creates it, and the others read it.
 */
function createKeyExclusively(path: string, protector: KeyProtector | undefined): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const key = randomBytes(KEY_BYTES);
  // Protected before the file exists: a DPAPI failure leaves no empty key file behind.
  const text = protector ? protectedKeyFile(protector.protect(key)) : `${key.toString('base64')}\n`;
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw new MachineKeyError(`Cannot create the machine key ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

type KeyRead = { key: Buffer; protectedWithDpapi: boolean } | { missing: true } | { problem: MachineKeyError };

function decodeKey(text: string): Buffer | undefined {
  const key = Buffer.from(text.trim(), 'base64');
  return key.length === KEY_BYTES ? key : undefined;
}

/** A DPAPI-protected key file unprotected, or why it cannot be (another machine, not Windows). */
function unprotectKey(location: KeyLocation, blob: Buffer, protector: KeyProtector | undefined): KeyRead {
  const where = `The machine key ${location.path} (${location.origin}) is protected with Windows DPAPI (LocalMachine scope)`;
  const recover =
    'A data folder moved to another machine needs its secrets again: import a configuration exported with --with-secrets (sealed with a passphrase), or enter each secret again.';
  if (!protector) return { problem: new MachineKeyError(`${where} and opens only on the Windows machine that wrote it, not on ${process.platform}. ${recover}`) };
  let key: Buffer;
  try {
    key = protector.unprotect(blob);
  } catch (err) {
    if (err instanceof DpapiRefused) return { problem: new MachineKeyError(`${where} for another machine: this machine cannot open it (DPAPI: ${err.message}). ${recover}`) };
    if (err instanceof DpapiError) return { problem: new MachineKeyError(`${where}, and it could not be opened: ${err.message}`) };
    throw err;
  }
  if (key.length !== KEY_BYTES) return { problem: new MachineKeyError(`${where}, but what DPAPI returned is not a ${KEY_BYTES}-byte key. Restore the key file from its backup.`) };
  return { key, protectedWithDpapi: true };
}

/** Reads the key; a file another process has just created may still be empty for a moment. */
function readKey(location: KeyLocation, protector: KeyProtector | undefined): KeyRead {
  const deadline = Date.now() + KEY_WRITE_WAIT_MS;
  for (;;) {
    let text: string;
    try {
      text = readFileSync(location.path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return { missing: true };
      return {
        problem: new MachineKeyError(
          `Cannot read the machine key ${location.path} (${code ?? 'error'}; from ${location.origin}): run RosterSync as the account that owns its data folder, or as an administrator.`,
        ),
      };
    }
    const blob = protectedBlobOf(text);
    if (blob?.length) return unprotectKey(location, blob, protector);
    const key = blob ? undefined : decodeKey(text);
    if (key) return { key, protectedWithDpapi: false };
    if (Date.now() > deadline) {
      return {
        problem: new MachineKeyError(
          `The machine key ${location.path} is damaged (expected ${KEY_BYTES} bytes in base64). Restore it from its backup; secrets sealed with it cannot be read otherwise.`,
        ),
      };
    }
    sleep(20);
  }
}

interface SealedParts {
  readonly version: 'v1' | 'v2';
  readonly iv: string;
  readonly tag: string;
  readonly ct: string;
}

function parseSealed(sealed: string): SealedParts {
  const [version, iv, tag, ct] = sealed.split(':');
  if ((version !== 'v1' && version !== 'v2') || !iv || !tag || ct === undefined) throw new SecretError('A stored secret is not in the expected sealed form.');
  return { version, iv, tag, ct };
}

/** Replaces a plain key file with the DPAPI-protected form of the same key (Windows); false when it could not. */
function protectInPlace(path: string, key: Buffer, protector: KeyProtector): boolean {
  const temp = `${path}.protecting`;
  try {
    writeFileSync(temp, protectedKeyFile(protector.protect(key)), { mode: 0o600, flag: 'w' });
    renameSync(temp, path);
    return true;
  } catch {
    rmSync(temp, { force: true });
    return false;
  }
}

export interface VaultOptions {
  /** The platform whose key protection applies (default: this one). */
  readonly platform?: NodeJS.Platform;
  /** The machine-scope protection on Windows (default: DPAPI through PowerShell, src/secrets/dpapi.ts). */
  readonly protector?: KeyProtector;
}

export class Vault {
  private constructor(
    private readonly key: Buffer | undefined,
    /** Why this vault cannot seal or unseal (the key is missing, damaged or the wrong one). */
    readonly problem: MachineKeyError | undefined,
    readonly location: KeyLocation,
    /** How the key file protects the key: DPAPI (Windows) or only the file's permissions. */
    readonly protection: 'dpapi' | 'file-permissions' = 'file-permissions',
  ) {}

  /**
   * Loads the machine key, creating it (exclusively, mode 0600) only where a new one can do no harm:
   * the store holds no sealed secret. A store with sealed secrets and no key, or another key, opens
   * with a vault that refuses to seal or unseal and says why; the rest of the agent (history,
   * backups) still works.
   */
  static open(location: KeyLocation, state: SealedState = { recordedKeyId: undefined, sealedSecrets: 0 }, options: VaultOptions = {}): Vault {
    const windows = (options.platform ?? process.platform) === 'win32';
    const protector = windows ? (options.protector ?? dpapiProtector()) : undefined;
    let read = readKey(location, protector);
    if ('missing' in read) {
      if (state.sealedSecrets > 0) {
        const sealedWith = state.recordedKeyId ? `key id ${state.recordedKeyId}` : 'a machine key';
        return new Vault(
          undefined,
          new MachineKeyError(
            `The store's secrets were sealed with ${sealedWith}; the key file is not at ${location.path} (${location.origin}). Restore the key file there, or point ROSTERSYNC_KEY_FILE (or keyFile in the home config) at it.`,
          ),
          location,
        );
      }
      if (!location.creatable) return new Vault(undefined, new MachineKeyError(`The machine key is not at ${location.path} (${location.origin}).`), location);
      try {
        createKeyExclusively(location.path, protector);
      } catch (err) {
        if (!(err instanceof DpapiError)) throw err;
        return new Vault(undefined, new MachineKeyError(`A new machine key could not be protected with Windows DPAPI, so none was written to ${location.path}: ${err.message}`), location);
      }
      read = readKey(location, protector);
    }
    if ('problem' in read) return new Vault(undefined, read.problem, location);
    if (!('key' in read)) return new Vault(undefined, new MachineKeyError(`The machine key ${location.path} disappeared while it was opened.`), location);
    const keyId = keyIdOf(read.key);
    if (state.sealedSecrets > 0 && state.recordedKeyId !== undefined && state.recordedKeyId !== keyId) {
      return new Vault(
        undefined,
        new MachineKeyError(
          `The store's secrets were sealed with key id ${state.recordedKeyId}; the key at ${location.path} (${location.origin}) has key id ${keyId}. Use the key file that belongs to this store.`,
        ),
        location,
      );
    }
    if (!windows && location.creatable) {
      try {
        chmodSync(location.path, 0o600);
      } catch {
        // read-only access is enough to unseal
      }
    }
    // A plain key on Windows (written before DPAPI protection, or restored from a backup) is protected now, where it may be rewritten.
    const protectedNow = read.protectedWithDpapi || (protector !== undefined && location.creatable && protectInPlace(location.path, read.key, protector));
    return new Vault(read.key, undefined, location, protectedNow ? 'dpapi' : 'file-permissions');
  }

  /** The id of the key in use; undefined when the vault has no usable key. */
  get keyId(): string | undefined {
    return this.key ? keyIdOf(this.key) : undefined;
  }

  private usableKey(): Buffer {
    if (!this.key) throw this.problem ?? new MachineKeyError('No machine key.');
    return this.key;
  }

  /** Seals `plain` bound to `binding` (the hash of the connection it is for). */
  seal(plain: string, binding: string): string {
    const { iv, tag, ct } = encrypt(this.usableKey(), plain, binding);
    return `v2:${iv}:${tag}:${ct}`;
  }

  unseal(sealed: string, binding: string): string {
    const parts = parseSealed(sealed);
    const key = this.usableKey();
    try {
      return decrypt(key, parts, parts.version === 'v2' ? binding : undefined);
    } catch {
      throw new SecretError(
        'A stored secret cannot be decrypted with this machine key, or the connection it is bound to was altered in the store. Enter the secret again.',
      );
    }
  }
}

/** The rule for export passphrases: long enough, and not all one kind of character. */
export const PASSPHRASE_RULE = 'at least 12 characters, of at least two kinds (lower-case letters, upper-case letters, digits, other characters)';

/** Why a passphrase is too weak to seal an export, or undefined when it is strong enough. */
export function passphraseWeakness(passphrase: string): string | undefined {
  const kinds = [/\p{Ll}/u, /\p{Lu}/u, /\p{Nd}/u, /[^\p{Ll}\p{Lu}\p{Nd}]/u].filter((re) => re.test(passphrase)).length;
  if ([...passphrase].length < 12) return `the passphrase has ${[...passphrase].length} characters; it needs ${PASSPHRASE_RULE}`;
  if (kinds < 2) return `the passphrase uses one kind of character; it needs ${PASSPHRASE_RULE}`;
  return undefined;
}

export function sealWithPassphrase(plain: string, passphrase: string): string {
  const weakness = passphraseWeakness(passphrase);
  if (weakness) throw new SecretError(`Refused: ${weakness}.`);
  const salt = randomBytes(16);
  const key = scryptSync(passphrase, salt, 32);
  const { iv, tag, ct } = encrypt(key, plain);
  return `p1:${salt.toString('base64')}:${iv}:${tag}:${ct}`;
}

export function unsealWithPassphrase(sealed: string, passphrase: string): string {
  const [version, salt, iv, tag, ct] = sealed.split(':');
  if (version !== 'p1' || !salt || !iv || !tag || ct === undefined) throw new SecretError('An exported secret is not in the expected sealed form.');
  try {
    return decrypt(scryptSync(passphrase, Buffer.from(salt, 'base64'), 32), { iv, tag, ct });
  } catch {
    throw new SecretError('Wrong passphrase for the secrets in this configuration file.');
  }
}
