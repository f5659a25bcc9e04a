/**
 * Export-folder arrivals are never lost (the real agent daemon, a real folder, chokidar polling):
 * a complete set dropped while the agent was stopped is processed at its next start (once); a set
 * whose trigger file arrived with a file missing, or that stays incomplete too long, is a failed
 * run naming the missing file, and it opens an incident.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAgent, closeAgent, type AgentContext } from '../../src/home/context.js';
import { startDaemon, type AgentDaemon } from '../../src/agent/daemon.js';
import { ManualClock } from '../../src/scheduler/clock.js';
import { getIncident } from '../../src/notify/notifier.js';
import { destinationConfigSchema, sourceConfigSchema } from '../../src/shared/config.schema.js';
import type { RunSummary } from '../../src/shared/run.js';
import { until } from '../helpers/wait.js';
import { onStoreFile } from '../helpers/store-file-sql.js';

let home: string;
let ctx: AgentContext;
let drop: string;
const daemons: AgentDaemon[] = [];

const runs = (): RunSummary[] => ctx.store.listRuns({ destination: 'on-arrival', limit: 50 }).filter((r) => r.status !== 'running');
const start = async (): Promise<AgentDaemon> => {
  const daemon = await startDaemon({ home, api: false, clock: new ManualClock(new Date()), log: () => undefined });
  daemons.push(daemon);
  return daemon;
};
const configure = (settings: Record<string, unknown>): void => {
  rmSync(drop, { recursive: true, force: true });
  mkdirSync(drop, { recursive: true });
  ctx.store.saveSource(
    sourceConfigSchema.parse({
      name: 'sis-drop',
      type: 'folder',
      settings: { path: drop, quietPeriodSeconds: 0.2, debounceSeconds: 0.2, pollIntervalSeconds: 0.1, usePolling: true, ...settings },
      entities: { schools: { file: 'schools.csv' }, students: { file: 'students.csv' } },
    }),
  );
  onStoreFile(ctx.store, (db) => db.prepare(`DELETE FROM destination_state WHERE destination = 'on-arrival'`).run());
};
const writeSchools = (): void => writeFileSync(join(drop, 'schools.csv'), 'school_code,name\n001,North High\n');
const writeStudents = (): void =>
  writeFileSync(join(drop, 'students.csv'), 'student_id,first_name,last_name,grade,school_codes,email\nS1,Ada,Lovelace,5,001,ada@district.test\nS2,Alan,Turing,6,001,alan@district.test\n');

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'rs-arrivals-'));
  drop = join(home, 'sis-drop');
  ctx = openAgent(home);
  configure({});
  ctx.store.saveDestination(
    destinationConfigSchema.parse({ name: 'on-arrival', source: 'sis-drop', format: 'students-upper-snake', type: 'folder', settings: { path: join(home, 'outbox') }, schedule: { onArrival: true } }),
  );
  ctx.store.replaceSiteMap('on-arrival', [{ schoolCode: '001', siteId: 'N-1', label: 'North High' }]);
});
afterEach(async () => {
  while (daemons.length) await daemons.pop()!.stop();
});
afterAll(() => closeAgent(ctx));

describe('arrivals while the agent was stopped', () => {
  it('a complete set dropped while the agent was down is processed at start-up, once', async () => {
    configure({});
    const before = runs().length;
    writeSchools();
    writeStudents();
    await start();
    const arrival = await until('the start-up run for the waiting set', () => runs().length > before && runs()[0]);
    expect(arrival.trigger).toBe('arrival');
    expect(arrival.status, arrival.message ?? '').toMatch(/^(success|partial)$/);
    await daemons.pop()!.stop();

    // the next start: the same set was processed, nothing runs again
    const daemon = await start();
    await new Promise((r) => setTimeout(r, 1500));
    await daemon.scheduler.idle();
    expect(runs()).toHaveLength(before + 1);
  });
});

describe('sets that will not complete', () => {
  it('a trigger file with a file missing is a failed run naming the missing file, and an incident', async () => {
    configure({ triggerFile: 'done.flag' });
    await start();
    const before = runs().length;
    writeSchools();
    writeFileSync(join(drop, 'done.flag'), '');
    const failed = await until('the failed arrival run', () => runs().length > before && runs()[0]);
    expect(failed).toMatchObject({ trigger: 'arrival', status: 'failed' });
    expect(failed.message).toBe(
      `The export set in ${drop} is incomplete: the trigger file done.flag is there, but students.csv is missing (found schools.csv). Nothing was read; the run waits for a complete set.`,
    );
    expect(getIncident(ctx, 'on-arrival')).toMatchObject({ cause: 'failing', firstRunId: failed.id });
    // reported once, not at every poll
    await new Promise((r) => setTimeout(r, 1000));
    expect(runs()).toHaveLength(before + 1);
    // the missing file arrives: the complete set runs
    writeStudents();
    const complete = await until('the run for the completed set', () => runs().length > before + 1 && runs()[0]);
    expect(complete.trigger).toBe('arrival');
    expect(complete.status).not.toBe('failed');
  });

  it('a set that stays incomplete longer than incompleteAfterMinutes is a failed run naming the missing file', async () => {
    configure({ incompleteAfterMinutes: 0.02 });
    await start();
    const before = runs().length;
    writeSchools();
    const failed = await until('the failed arrival run', () => runs().length > before && runs()[0]);
    expect(failed.status).toBe('failed');
    expect(failed.message).toMatch(/has been incomplete for more than 0\.02 minutes: students\.csv is missing \(found schools\.csv\)/);
  });
});
