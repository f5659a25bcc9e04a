/**
 * The Node/V8 flags the agent runs the pipeline with (#18), and the re-launch that applies them.
 *
 * V8 gives every Node process a pool of helper threads (garbage collection in parallel and
 * concurrently, background compilation; --v8-pool-size, 4 by default) that compete with the
 * pipeline's own two threads (main + file worker) for the cores. On a 2-core machine they took
 * 27 % of the run's CPU; with one, a quiet machine measured 11 % less CPU per row and a 12 % shorter
 * run at 100k (docs/performance.md, "V8's helper threads"). The flag (defaultNodeFlags): --v8-pool-size=N,
 * N = max(1, cores − 2) helper threads — the pipeline's two threads get the rest. (--single-threaded-gc,
 * also measured, moved the GC's work onto the pipeline's threads — main thread +15–25 % — and raised
 * peak RSS; it is not used.) The pool is made when Node starts: only the command line or
 * NODE_OPTIONS set it, not the running process, so:
 *   - the service definitions (definitions.ts) and the tray app (electron/agent-client.ts) put them
 *     on the agent's command line;
 *   - bin/rostersync.js, started without them for a command that runs the pipeline (run, agent,
 *     ui, preview, demo), starts itself again with them (src/service/relaunch.ts) and passes on stdio, signals
 *     and the exit code.
 * ROSTERSYNC_V8_FLAGS overrides them for administrators: the flags to use instead, space-separated;
 * set but empty: none (Node's defaults). A flag already on the command line (or in NODE_OPTIONS)
 * wins over the same flag from here. Pure functions (test/unit/node-flags.test.ts); the re-launch end to
 * end: test/integration/node-flags.test.ts.
 */

/** Administrators' override: the Node/V8 flags the agent runs with instead of defaultNodeFlags(). */
export const NODE_FLAGS_ENV = 'ROSTERSYNC_V8_FLAGS';

/** Set in the re-launched process: it never re-launches again (whatever its command line says). */
export const RELAUNCHED_ENV = 'ROSTERSYNC_RELAUNCHED';

/** The commands that run the pipeline, and so run with the flags. */
export const PIPELINE_COMMANDS: ReadonlySet<string> = new Set(['run', 'agent', 'ui', 'preview', 'demo']);

/**
 * The flags for `cores` cores (docs/performance.md, "V8's helper threads"): V8's pool (GC helpers,
 * background compilation; Node's default is 4 threads whatever the machine) gets what the
 * pipeline's two threads (main + file worker) leave, at least one thread.
 */
export function defaultNodeFlags(cores: number): string[] {
  return [`--v8-pool-size=${Math.max(1, Math.floor(cores) - 2)}`];
}

/** Flags from a space-separated list (ROSTERSYNC_V8_FLAGS); every word must be a flag (starts with "-"). */
export function parseNodeFlagList(text: string, what = NODE_FLAGS_ENV): string[] {
  const flags = text.split(/\s+/).filter(Boolean);
  const bad = flags.find((f) => !f.startsWith('-'));
  if (bad !== undefined) throw new Error(`${what} holds "${bad}", which is not a Node/V8 flag: write flags like "--v8-pool-size=1 --max-semi-space-size=16", or leave it empty for Node's defaults.`);
  return flags;
}

/** The flags the agent runs with: ROSTERSYNC_V8_FLAGS when set (empty: none), else the defaults for the cores. */
export function agentNodeFlags(input: { readonly cores: number; readonly env: Readonly<Record<string, string | undefined>> }): string[] {
  const override = input.env[NODE_FLAGS_ENV];
  return override === undefined ? defaultNodeFlags(input.cores) : parseNodeFlagList(override);
}

/** A flag's name, for comparing: without its value, "no-" kept, underscores as dashes (V8 accepts both). */
export function flagName(flag: string): string {
  const eq = flag.indexOf('=');
  return (eq < 0 ? flag : flag.slice(0, eq)).replace(/^-+/, '').replace(/_/g, '-');
}

/** The wanted flags whose name is on neither the command line (execArgv) nor in NODE_OPTIONS. */
export function missingNodeFlags(wanted: readonly string[], execArgv: readonly string[], nodeOptions = ''): string[] {
  const present = new Set([...execArgv, ...nodeOptions.split(/\s+/)].filter((a) => a.startsWith('-')).map(flagName));
  return wanted.filter((f) => !present.has(flagName(f)));
}

/**
 * The command of a `rostersync` command line (argv without node and the script): the first word
 * that is not an option; --home takes a value (its value is not the command).
 */
export function cliCommand(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') return args[i + 1];
    if (a === '--home') i++;
    else if (!a.startsWith('-')) return a;
  }
  return undefined;
}

export interface RelaunchPlan {
  /** The node arguments for the new process: the missing flags, this process's own flags, the script and its arguments. */
  readonly args: readonly string[];
  /** The flags added (for the run log and tests). */
  readonly added: readonly string[];
}

/**
 * Whether bin/rostersync.js should start itself again with the agent's flags, and how: only for a
 * command that runs the pipeline, only when a flag is missing, never twice (RELAUNCHED_ENV).
 */
export function relaunchPlan(input: {
  readonly argv: readonly string[];
  readonly execArgv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cores: number;
}): RelaunchPlan | undefined {
  if (input.env[RELAUNCHED_ENV]) return undefined;
  const [, script, ...rest] = input.argv;
  if (!script) return undefined;
  const command = cliCommand(rest);
  if (command === undefined || !PIPELINE_COMMANDS.has(command)) return undefined;
  const added = missingNodeFlags(agentNodeFlags(input), input.execArgv, input.env.NODE_OPTIONS ?? '');
  if (!added.length) return undefined;
  return { args: [...input.execArgv, ...added, script, ...rest], added };
}
