/**
 * What a test file opens over several describe blocks (throw-away databases, agent homes, folders),
 * closed and deleted once after all its tests. Call it at the top level of the test file.
 */
import fs from 'node:fs';
import { afterAll } from 'vitest';
import { closeAgent, type AgentContext } from '../../src/home/context.js';
import type { TestDatabase } from './databases.js';

export interface Opened {
  readonly databases: TestDatabase[];
  readonly contexts: AgentContext[];
  readonly dirs: string[];
}

export function closeAfterAll(): Opened {
  const opened: Opened = { databases: [], contexts: [], dirs: [] };
  afterAll(async () => {
    for (const ctx of opened.contexts) closeAgent(ctx);
    await Promise.all(opened.databases.map((db) => db.drop()));
    for (const dir of opened.dirs) fs.rmSync(dir, { recursive: true, force: true });
  });
  return opened;
}
