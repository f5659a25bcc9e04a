/**
 * Shared plumbing for CLI commands: global options, opening the agent, printing text or JSON,
 * and exit codes. Command groups live in src/cli/commands/ and register themselves on the program.
 */
import { CommanderError, InvalidArgumentError, type Command } from 'commander';
import { readFileSync } from 'node:fs';
import { closeAgent, openAgent, type AgentContext } from '../home/context.js';
import { recoverInterruptedPublishes, type RunResult } from '../agent/runner.js';
import type { LiveEvent } from '../shared/api.contract.js';
import { runProgressPrinter, type ProgressOutput } from './run-progress.js';
import { SourceError } from '../sources/types.js';
import { DeliveryError } from '../destinations/types.js';
import { DestinationBusyError } from '../scheduler/lock.js';

export class UsageError extends Error {}

/** README's exit codes: 0 success, 1 a run (or a connection, or a busy destination) failed, 2 usage or configuration error. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** The exit code for an error that ended a command. */
export function exitCodeForError(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  // A server that cannot be reached or refuses a login is a failure, not a mistake in the command; a bad setting is.
  if (err instanceof SourceError || err instanceof DeliveryError) return err.code === 'config' ? EXIT.usage : EXIT.failed;
  if (err instanceof DestinationBusyError) return EXIT.failed;
  // UsageError, ConfigError, and the engine's refusals of a request (no such run, run not held…).
  return EXIT.usage;
}

/** Option parser: a whole number in [min, max]; anything else is a usage error (exit 2) naming the option. */
export function wholeNumber(option: string, min: number, max = Number.MAX_SAFE_INTEGER, unit = ''): (text: string) => number {
  return (text) => {
    const n = Number(text);
    if (text.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `${min} to ${max}`;
      throw new InvalidArgumentError(`${option} takes a whole number${unit ? ` of ${unit}` : ''} (${range}); got "${text}".`);
    }
    return n;
  };
}

/** Option parser: a calendar date YYYY-MM-DD (2026-02-30 is refused). */
export function calendarDate(option: string): (text: string) => string {
  return (text) => {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
    const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
    if (!d || d.toISOString().slice(0, 10) !== text) throw new InvalidArgumentError(`${option} takes a date (YYYY-MM-DD); got "${text}".`);
    return text;
  };
}

export interface GlobalOptions {
  home?: string;
  json?: boolean;
}

/** A command to print for the admin to run next: with `--home` when this one was given one, so it works as printed. */
export function followUp(opts: GlobalOptions, command: string): string {
  return `rostersync ${command}${opts.home ? ` --home ${/[\s"'$`\\]/.test(opts.home) ? JSON.stringify(opts.home) : opts.home}` : ''}`;
}

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Live progress output (stderr): written as is, and whether it is a terminal. Absent: plain lines through err(). */
  readonly progress?: ProgressOutput;
}

export const consoleIo: CliIo = {
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
  progress: {
    write: (t) => void process.stderr.write(t),
    get isTTY() {
      return process.stderr.isTTY === true;
    },
    get columns() {
      return process.stderr.columns;
    },
  },
};

/** Runs `work` with an opened agent and closes it; returns the exit code. */
export async function withAgent(opts: GlobalOptions, work: (ctx: AgentContext) => Promise<number> | number): Promise<number> {
  const ctx = openAgent(opts.home);
  try {
    await recoverInterruptedPublishes(ctx, ctx.store.failInterruptedRuns(), (level, message) => consoleIo.err(`${level === 'info' ? '' : `${level}: `}${message}`));
    return await work(ctx);
  } finally {
    closeAgent(ctx);
  }
}

/**
 * A secret or passphrase from an environment variable or standard input, never from the command
 * line, where every user of the machine can read it in the process list.
 */
export function readSecretInput(what: string, fromEnv: string | undefined, envFlag: string, env: NodeJS.ProcessEnv = process.env): string {
  if (fromEnv) {
    const value = env[fromEnv];
    if (value === undefined) throw new UsageError(`Environment variable ${fromEnv} is not set.`);
    return value;
  }
  if (process.stdin.isTTY) throw new UsageError(`Pipe ${what} on standard input (e.g. from a password manager), or name an environment variable with ${envFlag}.`);
  return readFileSync(0, 'utf8').replace(/\r?\n$/, '');
}

export const exitFor = (r: RunResult): number => (r.status === 'success' || r.status === 'partial' ? 0 : 1);

export interface CliKit {
  readonly io: CliIo;
  globals(cmd: Command): GlobalOptions;
  /** Prints `value` as JSON with --json, else the human text. */
  print(opts: GlobalOptions, value: unknown, human: () => string): void;
  /** The live progress of a run on stderr (src/cli/run-progress.ts): a redrawn line on a terminal, plain lines otherwise and with --json. */
  progress(opts: GlobalOptions): (event: LiveEvent) => void;
  /** Wraps a command handler: its return value becomes the exit code. */
  action(fn: (cmd: Command, ...args: never[]) => Promise<number> | number): (...args: unknown[]) => Promise<void>;
}

export function cliKit(io: CliIo, setExit: (code: number) => void): CliKit {
  return {
    io,
    globals: (cmd) => cmd.optsWithGlobals() as GlobalOptions,
    print: (opts, value, human) => io.out(opts.json ? JSON.stringify(value, null, 2) : human()),
    progress: (opts) => runProgressPrinter(io.progress && !(opts.json && io.progress.isTTY) ? io.progress : { write: (t) => io.err(t.replace(/\n$/, '')), isTTY: false }),
    action:
      (fn) =>
      async (...args) => {
        const cmd = args[args.length - 1] as Command;
        setExit(await fn(cmd, ...(args.slice(0, -1) as never[])));
      },
  };
}

export function parseRunId(text: string): number {
  const id = Number(text);
  if (!Number.isInteger(id) || id <= 0) throw new UsageError(`A run ID is a positive whole number; got "${text}".`);
  return id;
}

/** Resolves with the first SIGINT/SIGTERM (Ctrl+C, `systemctl stop`, WinSW's stop) for long-running commands. */
export function untilStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(signal);
    };
    const onInt = (): void => stop('SIGINT');
    const onTerm = (): void => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
}
