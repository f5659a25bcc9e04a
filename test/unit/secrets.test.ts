import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Vault, sealWithPassphrase, unsealWithPassphrase } from '../../src/secrets/vault.js';

describe('secret vault', () => {
  it('seals with AES-256-GCM under a 0600 machine key and unseals again', () => {
    const home = mkdtempSync(join(tmpdir(), 'rs-vault-'));
    const vault = Vault.open(home);
    const sealed = vault.seal('Tr0ub4dor&3');
    expect(sealed).toMatch(/^v1:/);
    expect(sealed).not.toContain('Tr0ub4dor');
    expect(vault.unseal(sealed)).toBe('Tr0ub4dor&3');
    expect(statSync(join(home, 'machine.key')).mode & 0o077).toBe(0);
    // the same key is reused on the next open
    expect(Vault.open(home).unseal(sealed)).toBe('Tr0ub4dor&3');
    expect(vault.seal('x')).not.toBe(vault.seal('x'));
  });

  it('refuses tampered ciphertext and another machine key with a clear message', () => {
    const a = Vault.open(mkdtempSync(join(tmpdir(), 'rs-vault-')));
    const b = Vault.open(mkdtempSync(join(tmpdir(), 'rs-vault-')));
    const sealed = a.seal('secret');
    expect(() => b.unseal(sealed)).toThrow(/cannot be decrypted with this machine key/);
    expect(() => a.unseal(sealed.slice(0, -4) + 'AAAA')).toThrow(/cannot be decrypted/);
  });

  it('seals exports with a passphrase', () => {
    const sealed = sealWithPassphrase('pw', 'correct horse');
    expect(unsealWithPassphrase(sealed, 'correct horse')).toBe('pw');
    expect(() => unsealWithPassphrase(sealed, 'wrong')).toThrow(/Wrong passphrase/);
  });

  it('keeps the key file free of the secrets', () => {
    const home = mkdtempSync(join(tmpdir(), 'rs-vault-'));
    Vault.open(home).seal('hunter2');
    expect(readFileSync(join(home, 'machine.key'), 'utf8')).not.toContain('hunter2');
  });
});
