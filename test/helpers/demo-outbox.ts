/** Breaking and mending the demo destination's outbox, so a run fails at delivery (notification tests). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentContext } from '../../src/home/context.js';
import { DEMO_DESTINATION } from '../../src/agent/demo.js';

/** Points the demo destination at a file instead of a folder: its next delivery fails. */
export function breakOutbox(ctx: AgentContext): void {
  const d = ctx.store.getDestination(DEMO_DESTINATION)!;
  const file = join(ctx.layout.home, 'not-a-folder');
  writeFileSync(file, 'x');
  ctx.store.saveDestination({ ...d, settings: { ...d.settings, path: file } });
}

/** Points the demo destination back at its outbox folder. */
export function mendOutbox(ctx: AgentContext, outbox: string): void {
  const d = ctx.store.getDestination(DEMO_DESTINATION)!;
  ctx.store.saveDestination({ ...d, settings: { ...d.settings, path: outbox } });
}
