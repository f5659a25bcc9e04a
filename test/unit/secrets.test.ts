import { describe, expect, it } from 'vitest';
import { createCipheriv, randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyIdOf, MachineKeyError, passphraseWeakness, sealWithPassphrase, unsealWithPassphrase, Vault, type KeyLocation } from '../../src/secrets/vault.js';
import { bindingOf, SecretBindingError } from '../../src/secrets/binding.js';
import { closeAgent, loadSecrets, loadSourceSecrets, openAgent, saveSecrets, sourceSecretOwner, staleSecrets, type AgentContext } from '../../src/home/context.js';
import { homeLayout, machineKeyLocation, KEY_CREDENTIAL_NAME } from '../../src/home/layout.js';
import type { SourceConfig } from '../../src/shared/config.schema.js';
import { onStoreFile } from '../helpers/store-file-sql.js';

const tempDir = (): string => mkdtempSync(join(tmpdir(), 'rs-vault-'));
const inFolder = (dir: string): KeyLocation => ({ path: join(dir, 'machine.key'), origin: 'the data folder', creatable: true });
const BINDING = bindingOf({ label: 'sis:5432/sis', parts: ['sis', 5432, 'sis'] }).hash;

const pgSource = (host: string, database = 'sis'): SourceConfig =>
  ({ name: 'sis', type: 'postgres', settings: { host, port: 5432, database, user: 'rostersync' }, entities: {} }) as unknown as SourceConfig;

function withSealedSource(home: string, env: NodeJS.ProcessEnv = {}): AgentContext {
  const ctx = openAgent(home, env);
  ctx.store.saveSource(pgSource('sis.district.local'));
  saveSecrets(ctx, sourceSecretOwner('sis'), { password: 'Tr0ub4dor&3' });
  return ctx;
}

describe('secret vault', () => {
  it('seals with AES-256-GCM under a 0600 machine key, bound to its connection, and unseals again', () => {
    const home = tempDir();
    const vault = Vault.open(inFolder(home));
    const sealed = vault.seal('Tr0ub4dor&3', BINDING);
    expect(sealed).toMatch(/^v2:/);
    expect(sealed).not.toContain('Tr0ub4dor');
    expect(vault.unseal(sealed, BINDING)).toBe('Tr0ub4dor&3');
    expect(statSync(join(home, 'machine.key')).mode & 0o077).toBe(0);
    // the same key is reused on the next open
    expect(Vault.open(inFolder(home)).unseal(sealed, BINDING)).toBe('Tr0ub4dor&3');
    expect(vault.seal('x', BINDING)).not.toBe(vault.seal('x', BINDING));
    // the binding is authenticated: a secret whose binding was edited in the store does not unseal
    expect(() => vault.unseal(sealed, bindingOf({ label: 'evil:5432/sis', parts: ['evil', 5432, 'sis'] }).hash)).toThrow(/binding|cannot be decrypted/);
  });

  it('refuses tampered ciphertext and another machine key with a clear message', () => {
    const a = Vault.open(inFolder(tempDir()));
    const b = Vault.open(inFolder(tempDir()));
    const sealed = a.seal('secret', BINDING);
    expect(() => b.unseal(sealed, BINDING)).toThrow(/cannot be decrypted with this machine key/);
    expect(() => a.unseal(sealed.slice(0, -4) + 'AAAA', BINDING)).toThrow(/cannot be decrypted/);
  });

  it('keeps the key file free of the secrets', () => {
    const home = tempDir();
    Vault.open(inFolder(home)).seal('hunter2', BINDING);
    expect(readFileSync(join(home, 'machine.key'), 'utf8')).not.toContain('hunter2');
  });

  it('never replaces an existing key file, and never creates one for a store that has sealed secrets', () => {
    const home = tempDir();
    const first = Vault.open(inFolder(home));
    const before = readFileSync(join(home, 'machine.key'), 'utf8');
    expect(Vault.open(inFolder(home)).keyId).toBe(first.keyId);
    expect(readFileSync(join(home, 'machine.key'), 'utf8')).toBe(before);

    const empty = tempDir();
    const vault = Vault.open(inFolder(empty), { recordedKeyId: 'abcdef0123456789', sealedSecrets: 2 });
    expect(readdirSync(empty)).toEqual([]);
    expect(vault.problem).toBeInstanceOf(MachineKeyError);
    expect(() => vault.seal('x', BINDING)).toThrow(`The store's secrets were sealed with key id abcdef0123456789; the key file is not at ${join(empty, 'machine.key')}`);
  });
});

describe('export passphrases', () => {
  it('seal with a passphrase of at least 12 characters of two kinds, and say the rule otherwise', () => {
    const sealed = sealWithPassphrase('pw', 'correct horse 42');
    expect(unsealWithPassphrase(sealed, 'correct horse 42')).toBe('pw');
    expect(() => unsealWithPassphrase(sealed, 'wrong')).toThrow(/Wrong passphrase/);
    expect(passphraseWeakness('a')).toMatch(/has 1 characters; it needs at least 12 characters, of at least two kinds/);
    expect(passphraseWeakness('abcdefghijklmnop')).toMatch(/one kind of character/);
    expect(passphraseWeakness('0123456789012')).toMatch(/one kind of character/);
    expect(passphraseWeakness('horse battery staple')).toBeUndefined();
    expect(() => sealWithPassphrase('pw', 'a')).toThrow(/Refused: the passphrase has 1 characters/);
  });
});

describe('secrets stay with the connection they were saved for', () => {
  it('unseals for the same host/port/database and refuses a re-pointed source without unsealing', () => {
    const ctx = withSealedSource(tempDir());
    expect(loadSourceSecrets(ctx, pgSource('SIS.district.local')).password).toBe('Tr0ub4dor&3');
    const moved = pgSource('attacker.example');
    expect(() => loadSourceSecrets(ctx, moved)).toThrow(SecretBindingError);
    expect(() => loadSourceSecrets(ctx, moved)).toThrow(
      'The password was saved for sis.district.local:5432/sis; enter it again to use it with the new server (attacker.example:5432/sis).',
    );
    expect(() => loadSourceSecrets(ctx, pgSource('sis.district.local', 'other'))).toThrow(/saved for sis.district.local:5432\/sis/);
    // re-pointed in the store (as a config import does): listed as stale, so the import can say so
    expect(staleSecrets(ctx)).toEqual([]);
    ctx.store.saveSource(moved);
    expect(staleSecrets(ctx).map((e) => e.message)).toEqual([
      'The password was saved for sis.district.local:5432/sis; enter it again to use it with the new server (attacker.example:5432/sis).',
    ]);
    // saving the new server with the secret typed again binds it there
    ctx.store.saveSource(moved);
    saveSecrets(ctx, sourceSecretOwner('sis'), { password: 'new-one' });
    expect(loadSourceSecrets(ctx, moved).password).toBe('new-one');
    closeAgent(ctx);
  });

  it('binds secrets stored before bindings existed to the connection configured at upgrade', () => {
    const home = tempDir();
    const ctx = withSealedSource(home);
    const key = Buffer.from(readFileSync(join(home, 'machine.key'), 'utf8').trim(), 'base64');
    // a schema-2 era secret: v1 sealing, no binding
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const ct = Buffer.concat([cipher.update('legacy-pw', 'utf8'), cipher.final()]);
    const v1 = `v1:${iv.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${ct.toString('base64')}`;
    onStoreFile(ctx.store, (db) => db.prepare(`UPDATE secrets SET sealed = ?, binding = NULL, bound_to = NULL`).run(v1));
    closeAgent(ctx);
    const reopened = openAgent(home, {});
    const stored = reopened.store.getSealedSecret(sourceSecretOwner('sis'), 'password')!;
    expect(stored.boundTo).toBe('sis.district.local:5432/sis');
    expect(stored.sealed).toMatch(/^v2:/);
    expect(loadSecrets(reopened, sourceSecretOwner('sis'), ['password']).password).toBe('legacy-pw');
    closeAgent(reopened);
  });
});

describe('the key away from the data', () => {
  it('finds the key in a systemd credential, ROSTERSYNC_KEY_FILE, home.json keyFile, else the data folder', () => {
    const home = tempDir();
    const layout = homeLayout(home);
    expect(machineKeyLocation(layout, {})).toEqual({ path: join(home, 'machine.key'), origin: 'the data folder', creatable: true });
    writeFileSync(join(home, 'home.json'), JSON.stringify({ keyFile: '/etc/rostersync/machine.key' }));
    expect(machineKeyLocation(layout, {}).path).toBe('/etc/rostersync/machine.key');
    expect(machineKeyLocation(layout, { ROSTERSYNC_KEY_FILE: '/srv/keys/rs.key' }).path).toBe('/srv/keys/rs.key');
    const credentials = tempDir();
    // a credentials directory without our credential is ignored
    expect(machineKeyLocation(layout, { CREDENTIALS_DIRECTORY: credentials, ROSTERSYNC_KEY_FILE: '/srv/keys/rs.key' }).path).toBe('/srv/keys/rs.key');
    writeFileSync(join(credentials, KEY_CREDENTIAL_NAME), 'x');
    expect(machineKeyLocation(layout, { CREDENTIALS_DIRECTORY: credentials, ROSTERSYNC_KEY_FILE: '/srv/keys/rs.key' })).toEqual({
      path: join(credentials, KEY_CREDENTIAL_NAME),
      origin: `the systemd credential ${KEY_CREDENTIAL_NAME}`,
      creatable: false,
    });
    writeFileSync(join(home, 'home.json'), JSON.stringify({ keyFile: 'relative.key' }));
    expect(() => machineKeyLocation(layout, {})).toThrow(/keyFile must be an absolute path/);
  });

  it('a data folder copied without its key cannot unseal any secret and says why; with its key it can', () => {
    const keys = tempDir();
    const keyFile = join(keys, 'rostersync.key');
    const home = tempDir();
    const env = { ROSTERSYNC_KEY_FILE: keyFile };
    const ctx = withSealedSource(home, env);
    const keyId = ctx.vault.keyId!;
    expect(keyId).toBe(keyIdOf(Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64')));
    expect(readdirSync(home)).not.toContain('machine.key');
    closeAgent(ctx);

    const copy = join(tempDir(), 'copied-home');
    cpSync(home, copy, { recursive: true });
    const stranger = openAgent(copy, {});
    expect(readdirSync(copy)).not.toContain('machine.key'); // no new key invented for sealed secrets
    const why = `The store's secrets were sealed with key id ${keyId}; the key file is not at ${join(copy, 'machine.key')} (the data folder).`;
    expect(() => loadSecrets(stranger, sourceSecretOwner('sis'), ['password'])).toThrow(why);
    expect(() => saveSecrets(stranger, sourceSecretOwner('sis'), { password: 'x' })).toThrow(why);
    closeAgent(stranger);

    // another machine's key is named as the wrong one, not used
    const otherKey = join(tempDir(), 'other.key');
    Vault.open({ path: otherKey, origin: 'test', creatable: true });
    const wrong = openAgent(copy, { ROSTERSYNC_KEY_FILE: otherKey });
    expect(() => loadSecrets(wrong, sourceSecretOwner('sis'), ['password'])).toThrow(
      new RegExp(`sealed with key id ${keyId}; the key at ${otherKey} \\(ROSTERSYNC_KEY_FILE\\) has key id [0-9a-f]{16}`),
    );
    closeAgent(wrong);

    const owner = openAgent(copy, env);
    expect(loadSecrets(owner, sourceSecretOwner('sis'), ['password']).password).toBe('Tr0ub4dor&3');
    closeAgent(owner);
  });

  it('reads a read-only systemd credential and never writes one', () => {
    const home = tempDir();
    const credentials = join(tempDir(), 'creds');
    mkdirSync(credentials);
    const first = withSealedSource(home);
    writeFileSync(join(credentials, KEY_CREDENTIAL_NAME), readFileSync(join(home, 'machine.key')));
    closeAgent(first);
    const moved = join(tempDir(), 'home');
    cpSync(home, moved, { recursive: true, filter: (src) => !src.endsWith('machine.key') });
    const ctx = openAgent(moved, { CREDENTIALS_DIRECTORY: credentials });
    expect(ctx.vault.location.origin).toBe(`the systemd credential ${KEY_CREDENTIAL_NAME}`);
    expect(loadSecrets(ctx, sourceSecretOwner('sis'), ['password']).password).toBe('Tr0ub4dor&3');
    closeAgent(ctx);
  });
});
