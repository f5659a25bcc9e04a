/**
 * One sync in a process of its own, measuring its peak resident memory: `node --import
 * ts-register.mjs run-sync-peak-rss.ts HOME DESTINATION`. Prints one JSON line: the run's status,
 * message and findings, and the RSS (MiB) at the start and at its peak, sampled every 20 ms while it ran.
 */
import { closeAgent, openAgent } from '../../src/home/context.js';
import { runDestination } from '../../src/agent/runner.js';

const [home, destination] = process.argv.slice(2);
const ctx = openAgent(home);
const startRss = process.memoryUsage().rss;
let peak = startRss;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 20);
try {
  const result = await runDestination(ctx, destination!, { trigger: 'manual' });
  peak = Math.max(peak, process.memoryUsage().rss);
  process.stdout.write(`${JSON.stringify({ status: result.status, message: result.message, findings: result.findings, startRssMiB: Math.round(startRss / 2 ** 20), peakRssMiB: Math.round(peak / 2 ** 20) })}\n`);
} finally {
  clearInterval(sampler);
  closeAgent(ctx);
}
