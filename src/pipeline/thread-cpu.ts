/**
 * CPU time per thread of this process, for the benchmark's "CPU per row per thread" (bench/child.ts).
 *
 * Linux keeps each thread's user + system time in /proc/self/task/<tid>/stat. Node 20 names every
 * thread "node" there (worker threads too, whatever `new Worker(…, { name })` says), so threads are
 * told apart by id: the main thread's id is the process id, a worker thread of the pipeline registers
 * its own id under its name (registerThread, from inside the worker), and the rest are Node's helpers
 * (V8's garbage collector and compiler threads, libuv's pool). A worker that has exited is gone from
 * /proc: its host records the time the worker read for itself just before it finished.
 * Elsewhere than Linux the list is empty (the benchmark runs on Linux).
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

export interface ThreadCpu {
  /** "main", a worker's name, or "node helpers (V8, libuv)" for the unnamed rest (summed). */
  readonly name: string;
  readonly userMs: number;
  readonly systemMs: number;
}

/** Clock ticks per second of /proc's times (USER_HZ; 100 on every Linux build Node runs on). */
const TICKS_PER_SECOND = 100;
const HELPERS = 'node helpers (V8, libuv)';

const named = new Map<number, string>();
const exited: ThreadCpu[] = [];

/** The calling thread's kernel id (from /proc/thread-self), or undefined where there is none. */
export function currentThreadId(): number | undefined {
  try {
    return Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return undefined;
  }
}

/** User and system time of one thread (`/proc/<pid>/task/<tid>/stat`, fields 14 and 15), or undefined. */
function readTimes(statPath: string): { userMs: number; systemMs: number } | undefined {
  try {
    const stat = readFileSync(statPath, 'utf8');
    // "tid (comm) state ppid …": comm may hold spaces and parentheses, so fields count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { userMs: (Number(fields[11]) * 1000) / TICKS_PER_SECOND, systemMs: (Number(fields[12]) * 1000) / TICKS_PER_SECOND };
  } catch {
    return undefined;
  }
}

/** The calling thread's own CPU time so far (a worker reads it just before it finishes). */
export function ownThreadCpu(): { userMs: number; systemMs: number } | undefined {
  return readTimes('/proc/thread-self/stat');
}

/** Names a thread of this process by its kernel id (called by the thread's host when the worker reports its id). */
export function registerThread(tid: number, name: string): void {
  named.set(tid, name);
}

/** A named worker that has finished: its last reading of its own time (it is no longer in /proc). */
export function recordExitedThread(tid: number, name: string, times: { userMs: number; systemMs: number }): void {
  named.delete(tid);
  exited.push({ name, ...times });
}

/** Every thread's CPU time so far: the main thread, each named worker (live or exited), and Node's helpers summed. */
export function threadCpuTimes(): ThreadCpu[] {
  let tasks: string[];
  try {
    tasks = readdirSync('/proc/self/task');
  } catch {
    return [];
  }
  const out: ThreadCpu[] = [];
  let helpers = { userMs: 0, systemMs: 0 };
  for (const task of tasks) {
    const tid = Number(task);
    const times = readTimes(`/proc/self/task/${task}/stat`);
    if (!times) continue;
    const name = tid === process.pid ? 'main' : named.get(tid);
    if (name) out.push({ name, ...times });
    else helpers = { userMs: helpers.userMs + times.userMs, systemMs: helpers.systemMs + times.systemMs };
  }
  out.push(...exited, { name: HELPERS, ...helpers });
  return out;
}
