/**
 * One of several processes opening the same (fresh) home at once: `node --import ts-register.mjs
 * seal-in-fresh-home.ts HOME NAME`. Configures source NAME, seals its password, and prints
 * "SEALED NAME KEYID" once it could unseal it again.
 */
import { closeAgent, loadSecrets, openAgent, saveSecrets, sourceSecretOwner } from '../../src/home/context.js';
import type { SourceConfig } from '../../src/shared/config.schema.js';

const [home, name] = process.argv.slice(2) as [string, string];
const ctx = openAgent(home);
try {
  ctx.store.saveSource({ name, type: 'postgres', settings: { host: `${name}.district.local`, port: 5432, database: 'sis', user: 'rs' }, entities: {} } as unknown as SourceConfig);
  saveSecrets(ctx, sourceSecretOwner(name), { password: `pw-${name}` });
  const back = loadSecrets(ctx, sourceSecretOwner(name), ['password']).password;
  process.stdout.write(back === `pw-${name}` ? `SEALED ${name} ${ctx.vault.keyId}\n` : `MISMATCH ${name}\n`);
} finally {
  closeAgent(ctx);
}
