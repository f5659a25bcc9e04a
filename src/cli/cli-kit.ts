/**
 * Shared plumbing for CLI commands: global options, opening the agent, printing text or JSON,
 * and exit codes. Command groups live in src/cli/commands/ and register themselves on the program.
 */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { closeAgent, openAgent, type AgentContext } from '../agent/context.js';
import type { RunResult } from '../pipeline/run-sync.js';
import { recoverInterruptedPublishes } from '../pipeline/publish-journal.js';

export class UsageError extends Error {}

export interface GlobalOptions {
  home?: string;
  json?: boolean;
}

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export const consoleIo: CliIo = {
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
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
  /** A live progress printer for runs (stderr), or nothing with --json. */
  progress(opts: GlobalOptions): ((level: string, stage: string, message: string) => void) | undefined;
  /** Wraps a command handler: its return value becomes the exit code. */
  action(fn: (cmd: Command, ...args: never[]) => Promise<number> | number): (...args: unknown[]) => Promise<void>;
}

export function cliKit(io: CliIo, setExit: (code: number) => void): CliKit {
  return {
    io,
    globals: (cmd) => cmd.optsWithGlobals() as GlobalOptions,
    print: (opts, value, human) => io.out(opts.json ? JSON.stringify(value, null, 2) : human()),
    progress: (opts) => (opts.json ? undefined : (_level, stage, message) => io.err(`  [${stage}] ${message}`)),
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
