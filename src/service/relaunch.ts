/**
 * bin/rostersync.js started itself again with the agent's Node/V8 flags (src/shared/node-flags.ts): run the
 * new process in this one's place. It shares the terminal (stdio inherited) and the process group;
 * this process only waits and passes on:
 *   - SIGTERM and SIGHUP (systemctl stop, kill, a closed terminal) to the child;
 *   - SIGINT: from a terminal (Ctrl+C) the child already gets it from the terminal itself — passing
 *     it on would be a second Ctrl+C, which stops without a clean abort — so it is passed on only
 *     when this process has no terminal (a script's `kill -INT`);
 *   - the exit: the child's exit code, or the same signal that ended the child.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { RELAUNCHED_ENV, type RelaunchPlan } from '../shared/node-flags.js';

/** The signals passed on to the child; SIGINT only when this process has no terminal (see above). */
export function forwardedSignals(hasTerminal: boolean, platform: NodeJS.Platform = process.platform): NodeJS.Signals[] {
  // Windows: a console Ctrl+C/Ctrl+Break reaches every process on the console; other signals cannot be sent there.
  if (platform === 'win32') return [];
  return hasTerminal ? ['SIGTERM', 'SIGHUP'] : ['SIGTERM', 'SIGHUP', 'SIGINT'];
}

/** Runs the plan's process in this one's place; never returns (exits as the child did). */
export function relaunch(plan: RelaunchPlan): void {
  const child: ChildProcess = spawn(process.execPath, [...plan.args], { stdio: 'inherit', env: { ...process.env, [RELAUNCHED_ENV]: '1' }, windowsHide: false });
  const hasTerminal = Boolean(process.stdin.isTTY || process.stdout.isTTY || process.stderr.isTTY);
  const forwarded = forwardedSignals(hasTerminal);
  const handlers = new Map<NodeJS.Signals, () => void>();
  for (const signal of forwarded) {
    const handler = (): void => {
      child.kill(signal);
    };
    handlers.set(signal, handler);
    process.on(signal, handler);
  }
  // SIGINT not passed on: this process must not die of it while the child finishes its clean stop.
  if (!forwarded.includes('SIGINT')) process.on('SIGINT', () => undefined);
  if (process.platform === 'win32') process.on('SIGBREAK', () => undefined);
  child.on('error', (err) => {
    console.error(`Could not start ${process.execPath} with ${plan.added.join(' ')}: ${err.message}`);
    process.exit(2);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      // End the same way, so a parent (systemd, a shell) sees what happened.
      for (const [s, h] of handlers) process.off(s, h);
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
      return;
    }
    process.exit(code ?? 1);
  });
}
