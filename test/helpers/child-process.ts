/**
 * Real second processes for tests: the `rostersync` CLI and small scripts, run from the TypeScript
 * sources through ts-register.mjs (no stale dist/ build). Every spawned child is tracked so a test
 * file can kill what it started in afterAll.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = join(here, '..', '..');
const REGISTER = join(here, 'ts-register.mjs');
const CLI = join(here, 'rostersync-cli.ts');

const started = new Set<ChildProcess>();

export interface Finished {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Spawned {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything written so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves when a line matching `pattern` appears on stdout or stderr. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  readonly exited: Promise<Finished>;
}

/** Starts `node <script.ts> ...args` from the sources. */
export function spawnTs(script: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Spawned {
  const child = spawn(process.execPath, ['--import', REGISTER, script, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  started.add(child);
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    listeners.forEach((l) => l());
  });
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    listeners.forEach((l) => l());
  });
  const exited = new Promise<Finished>((resolve) => {
    child.on('exit', (code, signal) => {
      started.delete(child);
      // let the pipes drain
      setImmediate(() => {
        resolve({ code, signal, stdout: out, stderr: err });
        listeners.forEach((l) => l());
      });
    });
  });
  let done = false;
  void exited.then(() => (done = true));
  return {
    child,
    pid: child.pid!,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const m = pattern.exec(out) ?? pattern.exec(err);
          if (m) {
            cleanup();
            resolve(m[0]);
          } else if (done) {
            cleanup();
            reject(new Error(`The process exited before printing ${pattern}.\nstdout: ${out}\nstderr: ${err}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${pattern}.\nstdout: ${out}\nstderr: ${err}`));
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
  };
}

/** Starts the real `rostersync` CLI with these arguments. */
export function spawnCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Spawned {
  return spawnTs(CLI, args, env);
}

/** Runs the CLI to the end. */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Finished> {
  return spawnCli(args, env).exited;
}

/** A pid that no longer belongs to any process (a child that has exited). */
export async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  const pid = child.pid!;
  await new Promise((resolve) => child.on('exit', resolve));
  return pid;
}

/** Kills every child this test file started and is still running. */
export async function killAllStarted(): Promise<void> {
  const waits = [...started].map(
    (child) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  );
  await Promise.all(waits);
}
