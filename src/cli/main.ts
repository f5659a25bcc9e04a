/**
 * `rostersync` — the command line. Every command takes `--home DIR` (or ROSTERSYNC_HOME) and,
 * where it prints results, `--json`. Exit codes: 0 success, 1 a run failed or was held, 2 usage
 * or configuration error.
 */
import { Command, CommanderError } from 'commander';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, relative } from 'node:path';
import { userInfo } from 'node:os';
import type { AgentContext } from '../home/context.js';
import { setupDemo, DEMO_DESTINATION } from '../agent/demo.js';
import { configJsonSchema, exportConfig, readConfigFile, serializeConfig, writeTextAtomic } from '../agent/config-file.js';
import { formatImportPlan, importConfig } from '../agent/config-import.js';
import { parseSiteMapFile, siteMapToCsv, siteMapToXlsx } from '../agent/site-map-file.js';
import { checkSiteMapCodes } from '../agent/school-codes.js';
import { describeLostLeadingZeros, padLostLeadingZeros, padQuestion } from '../shared/school-codes.js';
import { approveHeldRun, cancelRun, discardHeldRun, runDestination, type RunResult } from '../agent/runner.js';
import { RUN_STATUSES, type RunStatus } from '../shared/run.js';
import { formatRunDetail, formatRunResult, formatRunTable } from './format-output.js';
import { runDetail } from '../agent/history-report.js';
import { purgeRunFiles, PurgeRefused } from '../pipeline/retention.js';
import { registerConnectionCommands } from './commands/connections.js';
import { registerUiCommands } from './commands/ui.js';
import { registerNotifyCommands } from './commands/notify.js';
import { registerAgentCommands } from './commands/agent.js';
import { registerAuditCommands } from './commands/audit.js';
import { registerStoreCommands } from './commands/store.js';
import { registerServiceCommands } from './commands/service.js';
import { registerStatusCommands } from './commands/status.js';
import { registerFormatCommands } from './commands/formats.js';
import { registerProfileCommands } from './commands/profiles.js';
import { registerLogsCommands } from './commands/logs.js';
import { registerScheduleCommands } from './commands/schedule.js';
import { DestinationBusyError } from '../scheduler/lock.js';
import { staleSecrets } from '../home/context.js';
import { calendarDate, cliKit, followUp, consoleIo, exitCodeForError, exitFor, parseRunId, readSecretInput, UsageError, wholeNumber, withAgent, type CliIo, type CliKit } from './cli-kit.js';
import { passphraseWeakness } from '../secrets/vault.js';
import { appVersion } from '../home/install.js';

/** Command groups in src/cli/commands/, each `(program, kit) => void`. Add a group here. */
const COMMAND_GROUPS: readonly ((program: Command, kit: CliKit) => void)[] = [registerConnectionCommands, registerUiCommands, registerNotifyCommands, registerFormatCommands, registerProfileCommands, registerAgentCommands, registerAuditCommands, registerServiceCommands, registerStatusCommands, registerStoreCommands, registerLogsCommands, registerScheduleCommands];

/** How to run this command again as the user did: the installed `rostersync`, or `node bin/rostersync.js` from a checkout. */
function invokedAs(): string {
  const script = process.argv[1] ?? '';
  return basename(script) === 'rostersync' ? 'rostersync' : `node ${relative(process.cwd(), script) || script}`;
}

export function buildCli(io: CliIo = consoleIo, setExit: (code: number) => void = (c) => (process.exitCode = c)): Command {
  const program = new Command('rostersync')
    .description('RosterSync: SIS → vendor roster files, validated, delivered, recorded.')
    .option('--home <dir>', 'data folder (store, keys, outbox); default ROSTERSYNC_HOME or the system data folder')
    .option('--json', 'print machine-readable JSON')
    .version(appVersion(), '--version', 'print the version of RosterSync')
    .showHelpAfterError()
    // Before any subcommand is added, so every subcommand inherits it: a usage error anywhere throws
    // a CommanderError (exit 2) instead of commander's own process.exit(1).
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });

  const kit = cliKit(io, setExit);
  const { globals, print, progress, action } = kit;
  // A mistyped --home must not quietly become a new, empty data folder.
  program.hook('preAction', (_program, command) => refuseMissingHome(globals(command).home, commandPath(command)));

  program
    .command('demo')
    .description('create the embedded demo district and run a full OneRoster sync into <home>/outbox')
    .option('--students <n>', 'students in the demo district', wholeNumber('--students', 1), 1500)
    .action(
      action((cmd) =>
        withAgent(globals(cmd), async (ctx) => {
          const opts = globals(cmd);
          const { students } = cmd.opts<{ students: number }>();
          const demo = await setupDemo(ctx, { students });
          if (!opts.json) io.err(`Demo district: ${demo.schools} schools, ${students} students in ${demo.sisPath}`);
          const result = await runDestination(ctx, DEMO_DESTINATION, { trigger: 'cli', onEvent: progress(opts) });
          const self = invokedAs();
          const home = opts.home ?? ctx.layout.home;
          print(opts, result, () => `${formatRunResult(result, (c) => followUp(opts, c))}\nOutbox: ${demo.outbox}\nHistory: ${self} history --home ${home}\nConsole: ${self} ui --home ${home}   (opens the admin GUI in a browser)`);
          return exitFor(result);
        }),
      ),
    );

  program
    .command('run')
    .description('run a sync now for the named destinations (all enabled ones when none is named)')
    .argument('[destinations...]')
    .option('--dry-run', 'build and validate, deliver nothing')
    .action(
      action((cmd, names: string[]) =>
        withAgent(globals(cmd), async (ctx) => {
          const opts = globals(cmd);
          const { dryRun } = cmd.opts<{ dryRun?: boolean }>();
          const unknown = names.filter((n) => !ctx.store.hasDestination(n));
          if (unknown.length) throw new UsageError(`No destination named ${unknown.map((n) => `"${n}"`).join(', ')}. Configured: ${ctx.store.listDestinations().map((d) => d.name).join(', ') || 'none'}.`);
          const targets = names.length ? names : ctx.store.listDestinations().filter((d) => d.enabled).map((d) => d.name);
          if (!targets.length) throw new UsageError('No destinations are configured. Add one, or try: rostersync demo');
          const results: RunResult[] = [];
          let busy = 0;
          for (const name of targets) {
            try {
              results.push(await runDestination(ctx, name, { trigger: 'cli', dryRun, onEvent: progress(opts) }));
            } catch (err) {
              // Another runner (the service, the GUI) has this destination: say so and go on with the others.
              if (!(err instanceof DestinationBusyError)) throw err;
              busy++;
              io.err(err.message);
            }
          }
          print(opts, results, () => results.map((r) => formatRunResult(r, (c) => followUp(opts, c))).join('\n\n'));
          return busy === 0 && results.every((r) => exitFor(r) === 0) ? 0 : 1;
        }),
      ),
    );

  program
    .command('preview')
    .description('build everything for a destination without delivering: findings and the difference from the last good delivery')
    .argument('<destination>')
    .action(
      action((cmd, name: string) =>
        withAgent(globals(cmd), async (ctx) => {
          const opts = globals(cmd);
          if (!ctx.store.hasDestination(name)) throw new UsageError(`No destination named "${name}". Configured: ${ctx.store.listDestinations().map((d) => d.name).join(', ') || 'none'}.`);
          const result = await runDestination(ctx, name, { trigger: 'preview', dryRun: true });
          print(opts, result, () => formatRunDetail(runDetail(ctx, result.runId)!));
          return result.errors > 0 || result.status === 'failed' ? 1 : 0;
        }),
      ),
    );

  const history = program
    .command('history')
    .description('list past runs, newest first')
    .option('--limit <n>', 'how many', wholeNumber('--limit', 1), 20)
    .option('--destination <name>', 'only this destination (it must exist)')
    .option('--status <status>', `only runs with this status (${RUN_STATUSES.join(', ')})`)
    .option('--since <date>', 'only runs started on or after this date (YYYY-MM-DD)', calendarDate('--since'))
    .action(
      action((cmd) =>
        withAgent(globals(cmd), (ctx) => {
          const opts = globals(cmd);
          const o = cmd.opts<{ limit: number; destination?: string; status?: string; since?: string }>();
          if (o.status && !RUN_STATUSES.includes(o.status as RunStatus)) throw new UsageError(`--status must be one of ${RUN_STATUSES.join(', ')}; got "${o.status}".`);
          if (o.destination !== undefined && !ctx.store.hasDestination(o.destination)) {
            throw new UsageError(`--destination: no destination named "${o.destination}". Configured: ${ctx.store.listDestinations().map((d) => d.name).join(', ') || 'none'}.`);
          }
          const runs = ctx.store.listRuns({ limit: o.limit, destination: o.destination, status: o.status as RunStatus | undefined, since: o.since });
          // times in each destination's schedule zone, as `schedules` shows them (UTC for a destination since deleted)
          const zones = new Map(ctx.store.listDestinations().map((d) => [d.name, d.schedule.timezone]));
          const filtered = Boolean(o.destination || o.status || o.since);
          print(opts, runs, () => formatRunTable(runs, (name) => zones.get(name) ?? 'UTC', filtered ? 'No runs match.' : 'No runs yet.'));
          return 0;
        }),
      ),
    );
  history
    .command('show')
    .description('one run in detail: files, counts, diff, findings, events')
    .argument('<runId>')
    .action(
      action((cmd, id: string) =>
        withAgent(globals(cmd), (ctx) => {
          const detail = runDetail(ctx, parseRunId(id));
          if (!detail) throw new UsageError(`No run ${id}.`);
          print(globals(cmd), detail, () => formatRunDetail(detail));
          return 0;
        }),
      ),
    );

  program
    .command('purge')
    .description("delete a run's generated files now (a held run is discarded with them); recorded in the run's log")
    .argument('<runId>')
    .action(
      action((cmd, id: string) =>
        withAgent(globals(cmd), (ctx) => {
          let outcome: { deleted: boolean; message: string };
          try {
            outcome = purgeRunFiles(ctx.store, ctx.layout.runsDir, parseRunId(id), `rostersync purge (${operatorName()})`, new Date());
          } catch (err) {
            if (err instanceof PurgeRefused) throw new UsageError(err.message);
            throw err;
          }
          print(globals(cmd), { runId: Number(id), ...outcome }, () => outcome.message);
          return 0;
        }),
      ),
    );

  program
    .command('approve')
    .description('deliver a held run exactly as it was built')
    .argument('<runId>')
    .action(
      action((cmd, id: string) =>
        withAgent(globals(cmd), async (ctx) => {
          const opts = globals(cmd);
          const result = await approveHeldRun(ctx, parseRunId(id), { onEvent: progress(opts) });
          print(opts, result, () => formatRunResult(result, (c) => followUp(opts, c)));
          return exitFor(result);
        }),
      ),
    );

  program
    .command('cancel')
    .description('stop a running run (in this or another process, the agent included): it ends cancelled, nothing half published')
    .argument('<runId>')
    .option('--wait <seconds>', 'how long to wait for the run to stop', wholeNumber('--wait', 0), 60)
    .action(
      action((cmd, id: string) =>
        withAgent(globals(cmd), async (ctx) => {
          const runId = parseRunId(id);
          const run = ctx.store.getRun(runId);
          if (!run) throw new UsageError(`No run ${id}.`);
          if (cancelRun(ctx, runId) === 'not-running') throw new UsageError(`Run ${runId} is ${run.status}, not running: only a running run can be cancelled.`);
          const { wait } = cmd.opts<{ wait: number }>();
          const deadline = Date.now() + wait * 1000;
          let now = ctx.store.getRun(runId)!;
          while (now.status === 'running' && Date.now() < deadline) {
            await new Promise((resolve) => setTimeout(resolve, 250));
            now = ctx.store.getRun(runId)!;
          }
          print(globals(cmd), now, () => (now.status === 'running' ? `Run ${runId} was asked to stop; it is still running after ${wait} s.` : `Run ${runId}: ${now.status}. ${now.message ?? ''}`));
          return now.status === 'cancelled' ? 0 : 1;
        }),
      ),
    );

  program
    .command('discard')
    .description('discard a held run: nothing is delivered')
    .argument('<runId>')
    .action(
      action((cmd, id: string) =>
        withAgent(globals(cmd), (ctx) => {
          discardHeldRun(ctx, parseRunId(id));
          print(globals(cmd), { discarded: Number(id) }, () => `Run ${id} discarded; nothing was delivered.`);
          return 0;
        }),
      ),
    );

  const config = program.command('config').description('export or import the whole configuration');
  config
    .command('export')
    .description('write the configuration as YAML (or JSON for a .json file); secrets are left out unless --with-secrets')
    .argument('[file]')
    .option('--with-secrets', 'include secrets, sealed with a passphrase read from standard input or --passphrase-env')
    .option('--passphrase-env <var>', 'environment variable holding the passphrase')
    .option('--passphrase <text>', REFUSED_PASSPHRASE_HELP)
    .action(
      action((cmd, file?: string) =>
        withAgent(globals(cmd), (ctx) => {
          const o = cmd.opts<PassphraseOptions & { withSecrets?: boolean }>();
          refuseArgvPassphrase(o);
          const passphrase = o.withSecrets ? exportPassphrase(o) : undefined;
          const exported = exportConfig(ctx, { secretsPassphrase: passphrase });
          const text = serializeConfig(exported, file?.endsWith('.json') || (!file && globals(cmd).json) ? 'json' : 'yaml');
          if (file) {
            writeTextAtomic(file, text);
            io.err(`Configuration written to ${file}${o.withSecrets ? ' (secrets sealed with the passphrase)' : ' (secrets left out)'}.`);
          } else io.out(text);
          return 0;
        }),
      ),
    );
  config
    .command('import')
    .description('load a configuration file (YAML or JSON) exported by `config export` or written by hand')
    .argument('<file>')
    .option('--passphrase-env <var>', 'environment variable holding the passphrase the secrets in the file were sealed with (else read from standard input)')
    .option('--passphrase <text>', REFUSED_PASSPHRASE_HELP)
    .option('--dry-run', 'check the file and show what would change; change nothing')
    .action(
      action((cmd, file: string) =>
        withAgent(globals(cmd), (ctx) => {
          const o = cmd.opts<PassphraseOptions & { dryRun?: boolean }>();
          refuseArgvPassphrase(o);
          const doc = readConfigFile(file);
          // Asked for only when the file carries sealed secrets, so a plain import never waits on standard input.
          const passphrase = doc.config.secrets?.length ? readSecretInput('the passphrase', o.passphraseEnv, '--passphrase-env') : undefined;
          const plan = importConfig(ctx, doc, { secretsPassphrase: passphrase, dryRun: o.dryRun });
          // A re-pointed connection keeps its old secret stored but unusable: say so now, not at 2 a.m.
          if (!o.dryRun) for (const stale of staleSecrets(ctx)) io.err(`Note: ${stale.message} (set-secret, or the GUI)`);
          print(globals(cmd), { file, dryRun: Boolean(o.dryRun), ...plan }, () =>
            `${formatImportPlan(plan)}\n${o.dryRun ? `Dry run: nothing was changed. Import it with: ${followUp(globals(cmd), `config import ${file}`)}` : `Imported ${file}.`}`,
          );
          return 0;
        }),
      ),
    );
  config
    .command('schema')
    .description('print the JSON Schema of the configuration file')
    .action(
      action(() => {
        io.out(JSON.stringify(configJsonSchema(), null, 2));
        return 0;
      }),
    );

  const sitemap = program.command('sitemap').description('the site-ID map: SIS school code → vendor site ID and label');
  const pickDestination = (ctx: AgentContext, name?: string): string => {
    if (name) {
      if (!ctx.store.getDestination(name)) throw new UsageError(`No destination named "${name}".`);
      return name;
    }
    const all = ctx.store.listDestinations();
    if (all.length === 1) return all[0]!.name;
    throw new UsageError(`Name the destination with --destination (configured: ${all.map((d) => d.name).join(', ') || 'none'}).`);
  };
  sitemap
    .command('import')
    .description(
      'replace a destination\'s site map from a CSV or Excel (.xlsx) file with school_code, site_id and label columns; codes that lost their leading zeros (3 for the SIS\'s 003) are refused until you choose',
    )
    .argument('<file>')
    .option('--destination <name>', 'the destination whose map this is (optional when only one exists)')
    .option('--fix-leading-zeros', 'pad codes that lost their leading zeros to the SIS\'s codes (3 → 003)')
    .option('--no-fix-leading-zeros', 'import such codes as written')
    .action(
      action((cmd, file: string) =>
        withAgent(globals(cmd), async (ctx) => {
          const opts = cmd.opts<{ destination?: string; fixLeadingZeros?: boolean }>();
          const destination = pickDestination(ctx, opts.destination);
          const read = await parseSiteMapFile(file, readFileSync(file));
          const check = await checkSiteMapCodes(ctx, ctx.store.getDestination(destination)!, read);
          for (const note of check.notes) io.err(`Note: ${note}`);
          const question = padQuestion(check.lostLeadingZeros);
          if (question && opts.fixLeadingZeros === undefined) {
            for (const line of describeLostLeadingZeros(check.lostLeadingZeros)) io.err(line);
            const count = check.lostLeadingZeros.filter((f) => f.padded !== undefined).length;
            throw new UsageError(
              `${file}: compared with ${check.comparedWith}, ${count} school code${count === 1 ? '' : 's'} lost the leading zeros; nothing was imported. ${question} ` +
                `Pad them: ${followUp(globals(cmd), `sitemap import ${file} --destination ${destination} --fix-leading-zeros`)}; or keep the codes as written: --no-fix-leading-zeros.`,
            );
          }
          const entries = opts.fixLeadingZeros ? padLostLeadingZeros(read, check.lostLeadingZeros) : read;
          const padded = opts.fixLeadingZeros ? check.lostLeadingZeros.flatMap((f) => (f.padded === undefined ? [] : [{ from: f.imported, to: f.padded }])) : [];
          ctx.store.replaceSiteMap(destination, entries);
          print(globals(cmd), { destination, entries: entries.length, padded, lostLeadingZeros: check.lostLeadingZeros, comparedWith: check.comparedWith }, () =>
            [
              ...(padded.length ? [`Padded ${padded.map((p) => `${p.from} → ${p.to}`).join(', ')} (compared with ${check.comparedWith}).`] : []),
              ...describeLostLeadingZeros(opts.fixLeadingZeros ? check.lostLeadingZeros.filter((f) => f.padded === undefined) : check.lostLeadingZeros),
              `Site map of ${destination}: ${entries.length} school(s) imported from ${file}.`,
            ].join('\n'),
          );
          return 0;
        }),
      ),
    );
  sitemap
    .command('export')
    .description('write a destination\'s site map as CSV (or .xlsx by file name); to standard output without a file')
    .argument('[file]')
    .option('--destination <name>', 'the destination whose map this is (optional when only one exists)')
    .action(
      action((cmd, file?: string) =>
        withAgent(globals(cmd), async (ctx) => {
          const destination = pickDestination(ctx, cmd.opts<{ destination?: string }>().destination);
          const entries = ctx.store.getSiteMap(destination);
          if (!file) {
            print(globals(cmd), entries, () => siteMapToCsv(entries));
            return 0;
          }
          if (/\.xlsx$/i.test(file)) writeFileSync(file, await siteMapToXlsx(entries));
          else writeTextAtomic(file, siteMapToCsv(entries));
          io.err(`Site map of ${destination} (${entries.length} schools) written to ${file}.`);
          return 0;
        }),
      ),
    );

  for (const register of COMMAND_GROUPS) register(program, kit);
  return program;
}

interface PassphraseOptions {
  passphrase?: string;
  passphraseEnv?: string;
}

const REFUSED_PASSPHRASE_HELP = 'refused: a command line is visible to every user in the process list (use --passphrase-env or standard input)';

function refuseArgvPassphrase(o: PassphraseOptions): void {
  if (o.passphrase !== undefined) {
    throw new UsageError(
      '--passphrase is refused: any user of this machine can read a command line in the process list. Put the passphrase in an environment variable and name it with --passphrase-env VAR, or pipe it on standard input.',
    );
  }
}

function exportPassphrase(o: PassphraseOptions): string {
  const passphrase = readSecretInput('the passphrase', o.passphraseEnv, '--passphrase-env');
  const weakness = passphraseWeakness(passphrase);
  if (weakness) throw new UsageError(`--with-secrets: ${weakness}.`);
  return passphrase;
}

/** Commands that may make a new data folder: setting one up (demo, config import, store restore) or running the agent there (agent, ui, service install). */
const CREATES_HOME = new Set(['demo', 'agent', 'ui', 'config import', 'store restore', 'service install']);

/** `config import` for the import subcommand of config: how CREATES_HOME names commands. */
function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

function refuseMissingHome(home: string | undefined, command: string): void {
  if (home === undefined || CREATES_HOME.has(command) || existsSync(home)) return;
  throw new UsageError(`--home ${home}: no such folder. Check the path; a new data folder is made only by ${[...CREATES_HOME].map((c) => `\`${c}\``).join(', ')}.`);
}

export async function main(argv: readonly string[], io: CliIo = consoleIo): Promise<number> {
  let code = 0;
  const program = buildCli(io, (c) => (code = c));
  try {
    await program.parseAsync([...argv]);
  } catch (err) {
    // Commander has already printed its own message (and the help) for a usage error.
    if (!(err instanceof CommanderError)) io.err(`rostersync: ${(err as Error).message}`);
    code = exitCodeForError(err);
  }
  process.exitCode = code;
  return code;
}

/** Who asked, for a run's log: the operating-system account running the command. */
function operatorName(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? 'unknown'}`;
  }
}
