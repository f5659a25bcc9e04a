/**
 * The machine key on Windows, protected with DPAPI in machine scope (src/secrets/dpapi.ts). No
 * Windows here: the PowerShell call itself is replaced by a runner that plays DPAPI's part (it reads
 * the real encoded script to learn the operation, and binds blobs to a "machine" with AES-GCM, as
 * DPAPI binds them to the machine's secret). Everything around the call is the real code: the
 * command and script, the key file's format, the vault's creation, reading, conversion of a plain
 * key and its refusals.
 */
import { describe, expect, it } from 'vitest';
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DPAPI_ENTROPY, DPAPI_KEY_HEADER, DPAPI_KEY_TAG, dpapiCommand, dpapiProtector, REFUSED_EXIT, type PowerShellRunner } from '../../src/secrets/dpapi.js';
import { keyIdOf, MachineKeyError, Vault, type KeyLocation } from '../../src/secrets/vault.js';

const BINDING = 'b'.repeat(64);

const keyIn = (dir: string): KeyLocation => ({ path: join(dir, 'machine.key'), origin: 'the data folder', creatable: true });
const tempDir = (): string => mkdtempSync(join(tmpdir(), 'rs-dpapi-'));

/** The script a runner was asked to run, decoded from -EncodedCommand. */
function scriptOf(args: readonly string[]): string {
  const i = args.indexOf('-EncodedCommand');
  expect(i).toBeGreaterThan(-1);
  return Buffer.from(args[i + 1]!, 'base64').toString('utf16le');
}

/** Plays DPAPI for one machine: a blob protected here opens only here. */
function machine(name: string, calls: { args: readonly string[]; stdin: string }[] = []): PowerShellRunner {
  const secret = createHash('sha256').update(`machine secret of ${name}`).digest();
  return (command, args, stdin) => {
    calls.push({ args, stdin });
    expect(command).toBe('powershell.exe');
    const script = scriptOf(args);
    const data = Buffer.from(stdin.trim(), 'base64');
    if (script.includes('ProtectedData]::Protect(')) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', secret, iv);
      const ct = Buffer.concat([cipher.update(data), cipher.final()]);
      return { status: 0, stdout: Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64'), stderr: '' };
    }
    expect(script).toContain('ProtectedData]::Unprotect(');
    try {
      const decipher = createDecipheriv('aes-256-gcm', secret, data.subarray(0, 12));
      decipher.setAuthTag(data.subarray(12, 28));
      return { status: 0, stdout: Buffer.concat([decipher.update(data.subarray(28)), decipher.final()]).toString('base64'), stderr: '' };
    } catch {
      // what the script prints for DPAPI's CryptographicException
      return { status: REFUSED_EXIT, stdout: '', stderr: 'Key not valid for use in specified state.' };
    }
  };
}

describe('the PowerShell command', () => {
  it('calls ProtectedData in LocalMachine scope with RosterSync entropy, reading the data from standard input', () => {
    for (const operation of ['protect', 'unprotect'] as const) {
      const { command, args, script } = dpapiCommand(operation);
      expect(command).toBe('powershell.exe');
      expect(args.slice(0, 6)).toEqual(['-NoLogo', '-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand']);
      expect(scriptOf(args)).toBe(script);
      expect(script).toContain(`[System.Security.Cryptography.ProtectedData]::${operation === 'protect' ? 'Protect' : 'Unprotect'}($data, $entropy, [System.Security.Cryptography.DataProtectionScope]::LocalMachine)`);
      expect(script).toContain(`[Text.Encoding]::UTF8.GetBytes('${DPAPI_ENTROPY}')`);
      expect(script).toContain('[Console]::In.ReadToEnd()');
      expect(script).toContain(`catch [System.Security.Cryptography.CryptographicException] {\n  [Console]::Error.Write($_.Exception.Message); exit ${REFUSED_EXIT}`);
    }
  });

  it('never puts the key on the command line', () => {
    const calls: { args: readonly string[]; stdin: string }[] = [];
    const key = randomBytes(32);
    dpapiProtector(machine('A', calls)).protect(key);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.stdin).toBe(key.toString('base64'));
    expect(calls[0]!.args.join(' ')).not.toContain(key.toString('base64'));
  });

  it('says what went wrong when PowerShell is missing or fails', () => {
    const missing: PowerShellRunner = () => ({ status: null, stdout: '', stderr: '', error: Object.assign(new Error('spawn powershell.exe ENOENT'), { code: 'ENOENT' }) });
    expect(() => dpapiProtector(missing).protect(randomBytes(32))).toThrow('Windows DPAPI could not be reached: powershell.exe was not found on the PATH.');
    const failing: PowerShellRunner = () => ({ status: 1, stdout: '', stderr: 'Add-Type : Cannot add type.' });
    expect(() => dpapiProtector(failing).unprotect(randomBytes(40))).toThrow('powershell.exe (DPAPI unprotect) exited with 1: Add-Type : Cannot add type..');
  });
});

describe('the machine key on Windows', () => {
  it('is written DPAPI-protected, with a header saying so, and opens again on the same machine', () => {
    const dir = tempDir();
    const protector = dpapiProtector(machine('A'));
    const vault = Vault.open(keyIn(dir), undefined, { platform: 'win32', protector });
    expect(vault.problem).toBeUndefined();
    expect(vault.protection).toBe('dpapi');
    const lines = readFileSync(keyIn(dir).path, 'utf8').split('\n');
    expect(lines[0]).toBe(DPAPI_KEY_HEADER);
    expect(lines[1]).toMatch(new RegExp(`^${DPAPI_KEY_TAG}[A-Za-z0-9+/]+=*$`));
    expect(lines[2]).toBe('');

    const sealed = vault.seal('Tr0ub4dor&3', BINDING);
    const again = Vault.open(keyIn(dir), { recordedKeyId: vault.keyId, sealedSecrets: 1 }, { platform: 'win32', protector });
    expect(again.keyId).toBe(vault.keyId);
    expect(again.unseal(sealed, BINDING)).toBe('Tr0ub4dor&3');
  });

  it('a copy opened on another machine refuses to unseal and says why', () => {
    const dir = tempDir();
    const vault = Vault.open(keyIn(dir), undefined, { platform: 'win32', protector: dpapiProtector(machine('A')) });
    const sealed = vault.seal('hunter2', BINDING);
    const elsewhere = Vault.open(keyIn(dir), { recordedKeyId: vault.keyId, sealedSecrets: 1 }, { platform: 'win32', protector: dpapiProtector(machine('B')) });
    expect(elsewhere.problem).toBeInstanceOf(MachineKeyError);
    expect(elsewhere.problem!.message).toBe(
      `The machine key ${keyIn(dir).path} (the data folder) is protected with Windows DPAPI (LocalMachine scope) for another machine: this machine cannot open it (DPAPI: Key not valid for use in specified state.). ` +
        'A data folder moved to another machine needs its secrets again: import a configuration exported with --with-secrets (sealed with a passphrase), or enter each secret again.',
    );
    expect(() => elsewhere.unseal(sealed, BINDING)).toThrow(elsewhere.problem!.message);
    // the protected file is left as it was: it still opens on its own machine
    expect(Vault.open(keyIn(dir), undefined, { platform: 'win32', protector: dpapiProtector(machine('A')) }).keyId).toBe(vault.keyId);
  });

  it('a protected key opened on Linux names the platform', () => {
    const dir = tempDir();
    Vault.open(keyIn(dir), undefined, { platform: 'win32', protector: dpapiProtector(machine('A')) });
    const linux = Vault.open(keyIn(dir), { recordedKeyId: undefined, sealedSecrets: 1 }, { platform: 'linux' });
    expect(linux.problem!.message).toContain(`is protected with Windows DPAPI (LocalMachine scope) and opens only on the Windows machine that wrote it, not on ${process.platform}.`);
  });

  it('converts a plain key found on Windows into the protected form of the same key', () => {
    const dir = tempDir();
    const key = randomBytes(32);
    writeFileSync(keyIn(dir).path, `${key.toString('base64')}\n`);
    const vault = Vault.open(keyIn(dir), undefined, { platform: 'win32', protector: dpapiProtector(machine('A')) });
    expect(vault.keyId).toBe(keyIdOf(key));
    expect(vault.protection).toBe('dpapi');
    const text = readFileSync(keyIn(dir).path, 'utf8');
    expect(text.startsWith(`${DPAPI_KEY_HEADER}\n${DPAPI_KEY_TAG}`)).toBe(true);
    expect(text).not.toContain(key.toString('base64'));
    expect(existsSync(`${keyIn(dir).path}.protecting`)).toBe(false);
  });

  it('writes no key file when DPAPI cannot protect a new one', () => {
    const dir = tempDir();
    const missing: PowerShellRunner = () => ({ status: null, stdout: '', stderr: '', error: Object.assign(new Error('spawn powershell.exe ENOENT'), { code: 'ENOENT' }) });
    const vault = Vault.open(keyIn(dir), undefined, { platform: 'win32', protector: dpapiProtector(missing) });
    expect(vault.problem!.message).toBe(
      `A new machine key could not be protected with Windows DPAPI, so none was written to ${keyIn(dir).path}: Windows DPAPI could not be reached: powershell.exe was not found on the PATH.`,
    );
    expect(existsSync(keyIn(dir).path)).toBe(false);
  });

  it('leaves keys on other platforms as they were: plain, mode 0600', () => {
    const dir = tempDir();
    const vault = Vault.open(keyIn(dir), undefined, { platform: 'linux' });
    expect(vault.protection).toBe('file-permissions');
    expect(readFileSync(keyIn(dir).path, 'utf8')).toMatch(/^[A-Za-z0-9+/]{43}=\n$/);
  });
});
