/**
 * The store file itself:
 *   rostersync store backup [FILE]   a consistent copy (SQLite online backup) to <home>/backups/rostersync-YYYYMMDD-HHMMSS.db
 *   rostersync store restore FILE    put a verified backup in place (agent stopped); the replaced store is kept beside it
 *   rostersync store check           SQLite's integrity check, and whether the machine key fits the sealed secrets
 * The machine key is never part of a backup: back it up separately (README, "Backing up").
 */
import type { Command } from 'commander';
import { homeLayout, machineKeyLocation, resolveHome } from '../../home/layout.js';
import { readApiInfo } from '../../home/api-info.js';
import { LATEST_SCHEMA_VERSION } from '../../store/migrations/index.js';
import { restoreStoreFile } from '../../store/store-file.js';
import { UsageError, withAgent, type CliKit } from '../cli-kit.js';

export function registerStoreCommands(program: Command, kit: CliKit): void {
  const { action, globals, print } = kit;
  const store = program.command('store').description('the store file: back up, restore, check');

  store
    .command('backup')
    .description('copy the store (while the agent may keep running) to FILE or <home>/backups/rostersync-YYYYMMDD-HHMMSS.db (UTC); never includes the machine key')
    .argument('[file]')
    .action(
      action((cmd, file?: string) =>
        withAgent(globals(cmd), async (ctx) => {
          const path = await ctx.store.backupTo(file);
          const key = machineKeyLocation(ctx.layout);
          print(globals(cmd), { backup: path, keyFile: key.path, keyId: ctx.vault.keyId ?? null }, () =>
            [
              `Store backed up to ${path}.`,
              `The machine key is not in it: back up ${key.path} (key id ${ctx.vault.keyId ?? 'unknown'}) separately, somewhere else.`,
            ].join('\n'),
          );
          return 0;
        }),
      ),
    );

  store
    .command('restore')
    .description('replace the store with a backup (stop the agent first); the replaced store is kept as rostersync.db.replaced-…')
    .argument('<file>')
    .action(
      action((cmd, file: string) => {
        const layout = homeLayout(resolveHome(globals(cmd).home));
        const agent = readApiInfo(layout.home);
        if (agent) throw new UsageError(`The agent (process ${agent.pid}) is running on this data folder: stop it (systemctl stop rostersync-agent, the Windows service, or quit the tray app) before restoring.`);
        let restored: ReturnType<typeof restoreStoreFile>;
        try {
          restored = restoreStoreFile(layout.storePath, file, LATEST_SCHEMA_VERSION);
        } catch (err) {
          throw new UsageError((err as Error).message);
        }
        // Opening it now upgrades an older backup (after its own pre-migration copy) and says whether the key fits.
        return withAgent(globals(cmd), (ctx) => {
          const keyProblem = ctx.vault.problem?.message;
          print(globals(cmd), { restored: file, store: layout.storePath, replaced: restored.replaced ?? null, schemaVersion: restored.schemaVersion, keyProblem: keyProblem ?? null }, () =>
            [
              `Restored ${layout.storePath} from ${file} (schema ${restored.schemaVersion}).`,
              restored.replaced ? `The store it replaced is kept as ${restored.replaced}.` : '',
              keyProblem ? `Warning: ${keyProblem}` : `Machine key: ${ctx.vault.location.path} (key id ${ctx.vault.keyId ?? 'unknown'}).`,
            ]
              .filter(Boolean)
              .join('\n'),
          );
          return keyProblem ? 1 : 0;
        });
      }),
    );

  store
    .command('check')
    .description("run SQLite's integrity check on the store and check the machine key against its sealed secrets")
    .action(
      action((cmd) =>
        withAgent(globals(cmd), (ctx) => {
          const integrity = ctx.store.integrityCheck();
          const secrets = ctx.store.countSealedSecrets();
          const keyProblem = ctx.vault.problem?.message ?? null;
          const result = { store: ctx.store.path, integrity, schemaVersion: ctx.store.schemaVersion, sealedSecrets: secrets, keyFile: ctx.vault.location.path, keyId: ctx.vault.keyId ?? null, keyProtection: ctx.vault.protection, keyProblem };
          print(globals(cmd), result, () =>
            [
              `Store ${ctx.store.path}: schema ${ctx.store.schemaVersion}, integrity ${integrity}.`,
              `Machine key ${ctx.vault.location.path} (${ctx.vault.location.origin}): ${keyProblem ?? `key id ${ctx.vault.keyId}${ctx.vault.protection === 'dpapi' ? ', protected with Windows DPAPI (LocalMachine)' : ''}, fits the ${secrets} sealed secret(s).`}`,
            ].join('\n'),
          );
          return integrity === 'ok' && !keyProblem ? 0 : 1;
        }),
      ),
    );
}
