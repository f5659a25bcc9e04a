/**
 * `rostersync source …` and `rostersync destination …`: list, test, browse, trust host keys and
 * set secrets. Adding or editing sources and destinations is done in the GUI or through
 * `config import`; secrets are read from standard input or an environment variable, never from
 * the command line (where any user could see them in the process list).
 */
import { homeArg } from '../../home/layout.js';
import type { Command } from 'commander';
import { destinationSecretOwner, loadDestinationSecrets, loadSourceSecrets, saveSecrets, sourceSecretOwner, type AgentContext } from '../../home/context.js';
import { getSourceDriver } from '../../sources/registry.js';
import { entityRequestOf, resolveSourceEntities } from '../../profiles/resolve.js';
import { detectProfiles } from '../../profiles/detect.js';
import { listProfiles } from '../../profiles/registry.js';
import { loadCustomProfiles } from '../../profiles/profile.schema.js';
import type { Entity } from '../../shared/format.js';
import { getDestinationDriver } from '../../destinations/registry.js';
import { readSecretInput, UsageError, wholeNumber, withAgent, type CliKit } from '../cli-kit.js';
import { formatSourceCheck, sourceCheckExitCode, useColor } from '../source-check-output.js';

/** A configured source with its driver and unsealed secrets, or a usage error naming what exists. */
function resolveSource(ctx: AgentContext, name: string) {
  const source = ctx.store.getSource(name);
  if (!source) throw new UsageError(`No source named "${name}". Configured: ${ctx.store.listSources().map((s) => s.name).join(', ') || 'none'}.`);
  const driver = getSourceDriver(source.type);
  return { source, driver, secrets: () => loadSourceSecrets(ctx, source) };
}

/** A configured destination with its driver and unsealed secrets, or a usage error naming what exists. */
function resolveDestination(ctx: AgentContext, name: string) {
  const destination = ctx.store.getDestination(name);
  if (!destination) throw new UsageError(`No destination named "${name}". Configured: ${ctx.store.listDestinations().map((d) => d.name).join(', ') || 'none'}.`);
  const driver = getDestinationDriver(destination.type);
  return { destination, driver, secrets: () => loadDestinationSecrets(ctx, destination) };
}

export function registerConnectionCommands(program: Command, kit: CliKit): void {
  const { action, globals, print } = kit;

  const source = program.command('source').description('SIS sources: list, test, browse tables, set secrets');
  source
    .command('list')
    .description('configured sources')
    .action(
      action((cmd) =>
        withAgent(globals(cmd), (ctx) => {
          const sources = ctx.store.listSources();
          print(globals(cmd), sources, () =>
            sources.length ? sources.map((s) => `${s.name}  (${getSourceDriver(s.type).displayName}${s.profile ? `; profile ${s.profile}` : ''}; entities: ${Object.keys(s.entities).join(', ') || (s.profile ? 'all from the profile' : 'none')})`).join('\n') : 'No sources configured.',
          );
          return 0;
        }),
      ),
    );
  source
    .command('test')
    .description('connect to a source and report what was found')
    .argument('<name>')
    .action(
      action((cmd, name: string) =>
        withAgent(globals(cmd), async (ctx) => {
          const { source: s, driver, secrets } = resolveSource(ctx, name);
          const result = await driver.check(s.settings, secrets());
          print(globals(cmd), result, () => formatSourceCheck(result, useColor(process.stdout)));
          return sourceCheckExitCode(result);
        }),
      ),
    );
  source
    .command('discover')
    .description('list the tables/views (or export files) of a source with their columns')
    .argument('<name>')
    .action(
      action((cmd, name: string) =>
        withAgent(globals(cmd), async (ctx) => {
          const { source: s, driver, secrets } = resolveSource(ctx, name);
          const tables = await driver.discover(s.settings, secrets());
          print(globals(cmd), tables, () =>
            tables.map((t) => `${t.schema ? `${t.schema}.` : ''}${t.name} (${t.kind}): ${t.columns.map((c) => `${c.name} ${c.type}`).join(', ')}`).join('\n'),
          );
          return 0;
        }),
      ),
    );
  source
    .command('detect')
    .description("name the SIS profile(s) the source's tables and columns match, with the evidence (exit 1: none matches)")
    .argument('<name>')
    .action(
      action((cmd, name: string) =>
        withAgent(globals(cmd), async (ctx) => {
          const { source: s, driver, secrets } = resolveSource(ctx, name);
          const tables = await driver.discover(s.settings, secrets());
          const result = detectProfiles(tables, s.type, listProfiles(loadCustomProfiles(ctx.store.listCustomProfiles()).profiles));
          print(globals(cmd), result, () =>
            result.matches.length
              ? [result.message, ...result.matches.map((m) => `Use it: set "profile: ${m.id}" on source ${s.name} (${m.verification.note})`)].join('\n')
              : result.message,
          );
          return result.matches.length ? 0 : 1;
        }),
      ),
    );
  source
    .command('sample')
    .description("first rows of one of the source's entities (as its query or file returns them)")
    .argument('<name>')
    .argument('<entity>')
    .option('--limit <n>', 'rows', wholeNumber('--limit', 1, 500), 10)
    .action(
      action((cmd, name: string, entity: string) =>
        withAgent(globals(cmd), async (ctx) => {
          const { source: s, driver, secrets } = resolveSource(ctx, name);
          const resolved = resolveSourceEntities(s, ctx.store.listCustomProfiles());
          const request = entityRequestOf(resolved, entity as Entity);
          if (!request) throw new UsageError(`Source ${name} has no ${entity} entity (has: ${Object.keys(resolved).join(', ') || 'none'}).`);
          const sample = await driver.sample(s.settings, secrets(), request, cmd.opts<{ limit: number }>().limit);
          print(globals(cmd), sample, () => [sample.columns.join(' | '), ...sample.rows.map((r) => sample.columns.map((c) => r[c] ?? '').join(' | '))].join('\n'));
          return 0;
        }),
      ),
    );
  addSetSecretCommand(source, kit, 'source', (ctx, name) => {
    return { driver: resolveSource(ctx, name).driver, owner: sourceSecretOwner(name) };
  });

  const destination = program.command('destination').description('destinations: list, test, trust host keys, set secrets');
  destination
    .command('list')
    .description('configured destinations')
    .action(
      action((cmd) =>
        withAgent(globals(cmd), (ctx) => {
          const all = ctx.store.listDestinations();
          print(globals(cmd), all, () =>
            all.length ? all.map((d) => `${d.name}  (${getDestinationDriver(d.type).displayName}, format ${d.format}, source ${d.source}${d.enabled ? '' : ', disabled'})`).join('\n') : 'No destinations configured.',
          );
          return 0;
        }),
      ),
    );
  destination
    .command('test')
    .description('connect to a destination: folder exists and is writable, host key, latency, throughput')
    .argument('<name>')
    .action(
      action((cmd, name: string) =>
        withAgent(globals(cmd), async (ctx) => {
          const { destination: d, driver, secrets } = resolveDestination(ctx, name);
          const result = await driver.check(d.settings, secrets(), { destinationName: d.name, homeArgs: homeArg(ctx.layout.home) });
          print(globals(cmd), result, () =>
            [
              `${result.ok ? 'OK' : 'FAILED'}: ${result.message}`,
              result.fingerprint ? `Host key: ${result.fingerprint}` : '',
              result.latencyMs !== undefined ? `Latency: ${result.latencyMs} ms` : '',
              result.throughputBytesPerSec ? `Throughput: ${(result.throughputBytesPerSec / 1048576).toFixed(2)} MiB/s` : '',
            ]
              .filter(Boolean)
              .join('\n'),
          );
          return result.ok ? 0 : 1;
        }),
      ),
    );
  destination
    .command('trust')
    .description("pin the server's host key: shows the key it presents now and stores it (or the --fingerprint you checked with the vendor)")
    .argument('<name>')
    .option('--fingerprint <SHA256:...>', 'the fingerprint you confirmed out of band; refused if the server presents another')
    .action(
      action((cmd, name: string) =>
        withAgent(globals(cmd), async (ctx) => {
          const { destination: d, driver } = resolveDestination(ctx, name);
          if (!driver.hostKey) throw new UsageError(`${driver.displayName} destinations have no host key to trust.`);
          const presented = await driver.hostKey.probe(driver.settingsSchema.parse(d.settings));
          const expected = cmd.opts<{ fingerprint?: string }>().fingerprint;
          // Accept what admins paste: a whole `ssh-keygen -l` line, or the hash without its SHA256: prefix.
          const wanted = expected && (expected.match(/SHA256:[A-Za-z0-9+/]+/)?.[0] ?? `SHA256:${expected.trim()}`).replace(/=+$/, '');
          if (wanted && wanted !== presented.fingerprint) {
            throw new UsageError(`The server presents ${presented.fingerprint} (${presented.keyType}), not ${expected.trim()}: nothing was trusted.`);
          }
          ctx.store.saveDestination({ ...d, settings: driver.hostKey.pin(driver.settingsSchema.parse(d.settings), presented.fingerprint) });
          print(globals(cmd), presented, () => `Trusted ${presented.keyType} host key ${presented.fingerprint} for ${name}.`);
          return 0;
        }),
      ),
    );
  addSetSecretCommand(destination, kit, 'destination', (ctx, name) => {
    return { driver: resolveDestination(ctx, name).driver, owner: destinationSecretOwner(name) };
  });
}

/** `<kind> set-secret NAME FIELD`: stores one secret field, sealed, after checking the driver has it. */
function addSetSecretCommand(
  group: Command,
  { action, globals, print }: CliKit,
  kind: 'source' | 'destination',
  resolve: (ctx: AgentContext, name: string) => { driver: { displayName: string; secretFields: readonly string[] }; owner: string },
): void {
  group
    .command('set-secret')
    .description(`store a secret of a ${kind} (e.g. password${kind === 'destination' ? ', privateKey, passphrase' : ''}), sealed under the machine key; value from stdin or --from-env`)
    .argument('<name>')
    .argument('<field>')
    .option('--from-env <variable>', 'read the value from this environment variable')
    .action(
      action((cmd, name: string, field: string) =>
        withAgent(globals(cmd), (ctx) => {
          const { driver, owner } = resolve(ctx, name);
          if (!driver.secretFields.includes(field)) throw new UsageError(`${driver.displayName} ${kind}s have no secret "${field}" (secrets: ${driver.secretFields.join(', ') || 'none'}).`);
          saveSecrets(ctx, owner, { [field]: readSecretInput('the secret', cmd.opts<{ fromEnv?: string }>().fromEnv, '--from-env') });
          print(globals(cmd), { [kind]: name, field, stored: true }, () => `Stored ${field} of ${kind} ${name} (encrypted).`);
          return 0;
        }),
      ),
    );
}
