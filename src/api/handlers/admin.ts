/**
 * Settings → Configuration and Access: the configuration file `rostersync config export | import`
 * reads and writes (the same code: src/agent/config-file.ts, config-import.ts), and the API key.
 * A passphrase arrives in a POST body only, is checked by the CLI's strength rule, and is never
 * logged or returned.
 */
import { describeConfigError, exportConfig, parseConfigDocument, serializeConfig } from '../../agent/config-file.js';
import { formatImportPlan, importConfig } from '../../agent/config-import.js';
import { staleSecrets } from '../../home/context.js';
import { passphraseWeakness, SecretError } from '../../secrets/vault.js';
import { ConfigError } from '../../shared/config-issues.js';
import { badRequest } from '../services.js';
import type { HandlerGroup } from './types.js';

/** A ConfigError (a file that does not parse or does not pass the checks) as a 400 naming each problem's line and field. */
function checked<T>(text: string, work: () => T): T {
  try {
    return work();
  } catch (err) {
    if (err instanceof ConfigError) throw badRequest(describeConfigError(err, text));
    if (err instanceof SecretError) throw badRequest(`passphrase: ${err.message}`);
    throw err;
  }
}

export const adminHandlers: HandlerGroup<'exportConfig' | 'importConfig' | 'rotateApiKey'> = {
  exportConfig: ({ format, passphrase }, { ctx }) => {
    const weakness = passphrase === undefined ? undefined : passphraseWeakness(passphrase);
    if (weakness) throw badRequest(`passphrase: ${weakness}.`);
    const text = serializeConfig(exportConfig(ctx, { secretsPassphrase: passphrase }), format);
    return {
      fileName: `rostersync-config-${new Date().toISOString().slice(0, 10)}.${format === 'json' ? 'json' : 'yaml'}`,
      mimeType: format === 'json' ? 'application/json' : 'application/yaml',
      contentBase64: Buffer.from(text, 'utf8').toString('base64'),
    };
  },

  importConfig: ({ fileName, text, passphrase, dryRun }, { ctx, scheduler }) => {
    const doc = checked(text, () => parseConfigDocument(text, fileName));
    const sealedSecretsInFile = doc.config.secrets?.length ?? 0;
    // A dry run without the passphrase still shows what the file changes; the secrets are then counted, not opened.
    const shown = sealedSecretsInFile && !passphrase && dryRun ? { ...doc, config: { ...doc.config, secrets: undefined } } : doc;
    const plan = checked(text, () => importConfig(ctx, shown, { secretsPassphrase: sealedSecretsInFile ? passphrase : undefined, dryRun }));
    if (!dryRun) scheduler.reload?.();
    return {
      plan,
      applied: !dryRun,
      sealedSecretsInFile,
      text: formatImportPlan(plan),
      notes: dryRun ? [] : staleSecrets(ctx).map((stale) => stale.message),
    };
  },

  rotateApiKey: (_input, { access }) => access.rotateKey(),
};
