/**
 *   rostersync status   the agent (running or not), each destination's last result, open incident
 *                       and next run, and whether alerts reach their channels — for a script or a glance.
 * Exit code 0 when nothing needs attention, 1 when a destination is failing, stale or held, or a
 * notification channel is failing.
 */
import type { Command } from 'commander';
import { readApiInfo } from '../../home/api-info.js';
import { channelHealth } from '../../notify/channels.js';
import { describeDuration } from '../../notify/incidents.js';
import { getIncident } from '../../notify/notifier.js';
import { localDateTime, nextRunAfter } from '../../scheduler/schedule.js';
import { scheduleProblems } from '../../shared/schedule-check.js';
import { withAgent, type CliKit } from '../cli-kit.js';

export function registerStatusCommands(program: Command, kit: CliKit): void {
  const { action, globals, print } = kit;
  program
    .command('status')
    .description('the agent, each destination (last result, open incident, next run) and the alert channels; exit 1 when something needs attention')
    .action(
      action((cmd) =>
        withAgent(globals(cmd), (ctx) => {
          const now = new Date();
          const agent = readApiInfo(ctx.layout.home) ?? null;
          const destinations = ctx.store.listDestinations().map((d) => {
            const last = ctx.store.listRuns({ destination: d.name, limit: 20 }).find((r) => !r.dryRun && r.status !== 'skipped') ?? null;
            const lastDelivery = ctx.store.listRuns({ destination: d.name, limit: 50 }).find((r) => !r.dryRun && (r.status === 'success' || r.status === 'partial')) ?? null;
            const s = d.schedule;
            const next = d.enabled && s.enabled && !scheduleProblems(s).length ? nextRunAfter(s, now) : null;
            return {
              name: d.name,
              enabled: d.enabled,
              lastRun: last && { id: last.id, status: last.status, startedAt: last.startedAt, message: last.message },
              lastDelivery: lastDelivery?.startedAt ?? null,
              incident: getIncident(ctx, d.name) ?? null,
              nextRun: next?.toISOString() ?? null,
              nextRunLocal: next ? localDateTime(next, s.timezone) : null,
            };
          });
          const channels = channelHealth(ctx);
          const attention = destinations.some((d) => d.incident || d.lastRun?.status === 'held') || channels.some((c) => c.failing);
          print(globals(cmd), { agent, destinations, channels, attention }, () => {
            const lines = [
              agent ? `Agent: running (pid ${agent.pid}, ${agent.url}, since ${agent.startedAt})` : 'Agent: not running — nothing runs on schedule until `rostersync agent` (or the service) starts.',
            ];
            for (const d of destinations) {
              lines.push('', `${d.name}${d.enabled ? '' : ' (disabled)'}`);
              lines.push(`  last run:      ${d.lastRun ? `#${d.lastRun.id} ${d.lastRun.status} at ${d.lastRun.startedAt}` : 'none yet'}`);
              lines.push(`  last delivery: ${d.lastDelivery ?? 'never'}`);
              lines.push(`  next run:      ${d.nextRunLocal ?? 'not scheduled'}`);
              if (d.incident) {
                lines.push(
                  `  INCIDENT:      ${d.incident.cause === 'stale' ? 'no delivery for too long' : 'failing'} for ${describeDuration(d.incident.openedAt, now)} (since ${d.incident.openedAt}${d.incident.failures ? `, ${d.incident.failures} failed run(s)` : ''})`,
                  `                 ${d.incident.lastMessage}`,
                );
              }
            }
            if (channels.length) {
              lines.push('', 'Alert channels:');
              for (const c of channels) {
                lines.push(`  ${c.channel}: ${c.failing ? `FAILING since ${c.lastErrorAt}: ${c.lastError} (${c.waiting} alert(s) waiting for a retry)` : c.lastOkAt ? `ok (last alert ${c.lastOkAt})` : 'ok (nothing sent yet)'}`);
              }
            } else {
              lines.push('', 'Alert channels: none set up (rostersync notify set …).');
            }
            return lines.join('\n');
          });
          return attention ? 1 : 0;
        }),
      ),
    );
}
