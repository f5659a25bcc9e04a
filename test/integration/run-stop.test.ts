/**
 * A run stopped on its signal, through the one runner: stopped by the agent shutting down it fails
 * with "Stopped: <reason>." said once (the pipeline's RunStoppedError carries the reason in the
 * result); cancelled by an administrator it is `cancelled`, nothing delivered, and its message has
 * no "Stopped:" left in it. The stop lands at the checkpoint before delivery (after the diff).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeAgent, openAgent, type AgentContext } from '../../src/home/context.js';
import { DEMO_DESTINATION, setupDemo } from '../../src/agent/demo.js';
import { cancelRun, runDestination } from '../../src/agent/runner.js';
import { RunStopRequest } from '../../src/pipeline/stop.js';
import type { LiveEvent } from '../../src/shared/api.contract.js';

let ctx: AgentContext;
let outbox: string;
beforeAll(async () => {
  ctx = openAgent(mkdtempSync(join(tmpdir(), 'rs-run-stop-')));
  outbox = (await setupDemo(ctx, { students: 40 })).outbox;
});
afterAll(() => closeAgent(ctx));

/** Calls `act(runId)` at the run's first diff line: the files are written, nothing is delivered yet. */
const atDiff = (act: (runId: number) => void) => {
  let done = false;
  return (event: LiveEvent): void => {
    if (done || event.type !== 'log' || event.stage !== 'diff') return;
    done = true;
    act(event.runId);
  };
};

const delivered = (): string[] => (existsSync(outbox) ? readdirSync(outbox) : []);

describe('a run stopped on its signal', () => {
  it('by the agent shutting down: failed, "Stopped: agent shutting down." once, the reason in the result, nothing delivered', async () => {
    const shutdown = new AbortController();
    const result = await runDestination(ctx, DEMO_DESTINATION, { trigger: 'schedule', signal: shutdown.signal, onEvent: atDiff(() => shutdown.abort(new RunStopRequest('agent shutting down'))) });
    expect(result.status).toBe('failed');
    expect(result.stopReason).toBe('agent shutting down');
    expect(result.message).toMatch(/^Stopped: agent shutting down\./);
    expect(result.message.match(/Stopped:/g)).toHaveLength(1);
    expect(ctx.store.getRun(result.runId)).toMatchObject({ status: 'failed', message: result.message });
    expect(ctx.store.getRunDetail(result.runId)!.events.some((e) => e.level === 'error' && e.stage === 'deliver' && e.message === 'Stopped: agent shutting down.')).toBe(true);
    expect(delivered()).toEqual([]);
    expect(ctx.store.listAudit({ destination: DEMO_DESTINATION })).toEqual([]);
  });

  it('by a bare abort: "Stopped: cancelled."', async () => {
    const stop = new AbortController();
    const result = await runDestination(ctx, DEMO_DESTINATION, { trigger: 'manual', signal: stop.signal, onEvent: atDiff(() => stop.abort()) });
    expect(result).toMatchObject({ status: 'failed', stopReason: 'cancelled' });
    expect(result.message).toMatch(/^Stopped: cancelled\./);
  });

  it('by an administrator: cancelled, nothing delivered, no "Stopped:" in its message', async () => {
    const result = await runDestination(ctx, DEMO_DESTINATION, { trigger: 'manual', onEvent: atDiff((runId) => expect(cancelRun(ctx, runId)).toBe('cancelling')) });
    expect(result.status).toBe('cancelled');
    expect(result.message).toMatch(/^Cancelled by an administrator; nothing was delivered\./);
    expect(result.message).not.toContain('Stopped');
    expect(ctx.store.getRun(result.runId)).toMatchObject({ status: 'cancelled', message: result.message });
    expect(delivered()).toEqual([]);
  });

  it('and then a run that is not stopped delivers as usual', async () => {
    const result = await runDestination(ctx, DEMO_DESTINATION, { trigger: 'manual' });
    expect(result.status).toBe('success');
    expect(result.stopReason).toBeUndefined();
    expect(delivered()).toContain('users.csv');
  });
});
