/**
 * `machine.key` is created exclusively: several processes opening a fresh home at once all end up
 * sealing with the one key, so none loses a sealed secret (before, a temp-and-rename could replace
 * the key another process had just sealed with).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeAgent, loadSecrets, openAgent, sourceSecretOwner } from '../../src/home/context.js';
import { killAllStarted, REPO_ROOT, spawnTs } from '../helpers/child-process.js';

const SEALER = join(REPO_ROOT, 'test/helpers/seal-in-fresh-home.ts');
const ROUNDS = 10;
const PROCESSES = 3;

afterAll(() => killAllStarted());

describe('machine key race', () => {
  it(`${ROUNDS} fresh homes × ${PROCESSES} processes at once: every secret unseals with the one key`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const home = mkdtempSync(join(tmpdir(), 'rs-key-race-'));
      const names = Array.from({ length: PROCESSES }, (_, i) => `sis${i}`);
      const results = await Promise.all(names.map((name) => spawnTs(SEALER, [home, name]).exited));
      for (const r of results) expect(r.stderr).toBe('');
      const keyIds = new Set(results.map((r) => /^SEALED \S+ ([0-9a-f]{16})$/m.exec(r.stdout)?.[1]));
      expect(keyIds.size, results.map((r) => r.stdout).join('')).toBe(1);
      expect([...keyIds][0]).toMatch(/^[0-9a-f]{16}$/);
      const ctx = openAgent(home, {});
      expect(ctx.vault.keyId).toBe([...keyIds][0]);
      for (const name of names) expect(loadSecrets(ctx, sourceSecretOwner(name), ['password']).password).toBe(`pw-${name}`);
      closeAgent(ctx);
    }
  }, 600_000);
});
