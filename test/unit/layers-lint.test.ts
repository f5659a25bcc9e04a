/**
 * The layer rule (lint/layers.js) through ESLint with the project's own config: deliberately wrong
 * imports fail `npm run lint`, allowed ones pass.
 */
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const eslint = new ESLint({ cwd: root });

/** The layer messages ESLint gives `code` as if it were the file at `path`. */
async function layerMessages(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}${path}` });
  return result!.messages.filter((m) => m.ruleId === 'layers/imports').map((m) => m.message);
}

describe('layer rule', { timeout: 120_000 }, () => {
  it('refuses an import pointing up a layer, however deep the importing file is', async () => {
    expect(await layerMessages('src/pipeline/wrong.ts', "import { startDaemon } from '../agent/daemon.js';\nexport const x = startDaemon;\n")).toEqual([
      '../agent/daemon.js: src/pipeline/ (layer 5: pipeline) may not import src/agent/ (layer 7: agent, api, service): imports point down or sideways, never up.',
    ]);
    expect(await layerMessages('src/store/wrong.ts', "export { runSync } from '../pipeline/run-sync.js';\n")).toHaveLength(1);
    expect(await layerMessages('src/sources/folder/wrong.ts', "import type { AgentContext } from '../../home/context.js';\nexport type X = AgentContext;\n")).toHaveLength(1);
    expect(await layerMessages('src/pipeline/wrong.ts', "export const load = () => import('../cli/main.js');\n")).toHaveLength(1);
  });

  it('lets imports point down or sideways', async () => {
    expect(await layerMessages('src/pipeline/fine.ts', "import { Store } from '../store/store.js';\nimport { getSourceDriver } from '../sources/registry.js';\nexport const x = [Store, getSourceDriver];\n")).toEqual([]);
    expect(await layerMessages('src/notify/fine.ts', "import { notifyStale } from './notifier.js';\nimport { Scheduler } from '../scheduler/scheduler.js';\nexport const x = [notifyStale, Scheduler];\n")).toEqual([]);
  });

  it('keeps the renderer on src/shared and the tray app on src/shared and src/home', async () => {
    expect(await layerMessages('renderer/src/screens/wrong.tsx', "import { planRun } from '../../../src/pipeline/plan.js';\nexport const x = planRun;\n")).toEqual([
      "../../../src/pipeline/plan.js: renderer/ may import only src/shared/ from src/, not src/pipeline/ (it talks to the agent through the typed API).",
    ]);
    expect(await layerMessages('renderer/src/fine.ts', "import { ApiError } from '../../src/shared/api.contract.js';\nexport const x = ApiError;\n")).toEqual([]);
    expect(await layerMessages('electron/wrong.ts', "import { callApi } from '../renderer/src/lib/mapping.js';\nexport const x = callApi;\n")).toHaveLength(1);
    expect(await layerMessages('electron/wrong.ts', "import { startApiServer } from '../src/api/server.js';\nexport const x = startApiServer;\n")).toHaveLength(1);
    expect(await layerMessages('electron/fine.ts', "import { resolveHome } from '../src/home/layout.js';\nexport const x = resolveHome;\n")).toEqual([]);
    expect(await layerMessages('src/agent/wrong.ts', "import { trayState } from '../../electron/tray-state.js';\nexport const x = trayState;\n")).toHaveLength(1);
  });

  it('asks for a layer for a new folder under src/', async () => {
    expect(await layerMessages('src/pipeline/wrong.ts', "import { x } from '../newthing/x.js';\nexport const y = x;\n")).toEqual([
      '../newthing/x.js: src/newthing/ has no layer: add it to SRC_LAYERS in lint/layers.js (bottom to top).',
    ]);
  });
});

/** The sealed-store messages ESLint gives `code` as if it were the file at `path`. */
async function sealedStoreMessages(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}${path}` });
  return result!.messages.filter((m) => m.ruleId === 'layers/sealed-store').map((m) => m.message);
}

describe('sealed store rule', { timeout: 120_000 }, () => {
  it("refuses SQL on the store's connection outside src/store/", async () => {
    expect(await sealedStoreMessages('src/scheduler/wrong.ts', "import type { Store } from '../store/store.js';\nexport const f = (store: Store & { db: never }) => (store.db as any).prepare('SELECT 1').get();\n")).toEqual([
      ".db.prepare: SQL on the store's connection outside src/store/; give the store a method named for what it means (src/store/store.ts).",
    ]);
    for (const call of ["ctx.store.db.transaction(() => 1)()", "ctx.store.db.exec('DELETE FROM runs')", "ctx.store.db.pragma('integrity_check')", "ctx.store['db'].prepare('x')"]) {
      expect(await sealedStoreMessages('src/api/handlers/wrong.ts', `declare const ctx: any;\nexport const x = ${call};\n`), call).toHaveLength(1);
    }
    expect(await sealedStoreMessages('electron/wrong.ts', "declare const store: any;\nexport const x = store.db.prepare('SELECT 1');\n")).toHaveLength(1);
  });

  it('refuses better-sqlite3 outside src/store/ and the listed other SQLite files', async () => {
    expect(await sealedStoreMessages('src/agent/wrong.ts', "import Database from 'better-sqlite3';\nexport const db = new Database('rostersync.db');\n")).toEqual([
      'better-sqlite3 outside src/store/: the store is sealed; ask it through a named method of src/store/ (another SQLite file: list it in OTHER_SQLITE_FILES of lint/layers.js).',
    ]);
    expect(await sealedStoreMessages('src/cli/commands/wrong.ts', "export const load = () => import('better-sqlite3');\n")).toHaveLength(1);
    expect(await sealedStoreMessages('electron/wrong.ts', "import Database from 'better-sqlite3';\nexport const x = Database;\n")).toHaveLength(1);
  });

  it('lets src/store/ write SQL, the other SQLite files open theirs, and leaves other `db` names alone', async () => {
    expect(await sealedStoreMessages('src/store/fine.ts', "import Database from 'better-sqlite3';\nconst holder = { db: new Database(':memory:') };\nexport const x = holder.db.prepare('SELECT 1').get();\n")).toEqual([]);
    expect(await sealedStoreMessages('src/sources/sqlite.ts', "import Database from 'better-sqlite3';\nexport const x = Database;\n")).toEqual([]);
    expect(await sealedStoreMessages('src/pipeline/fine.ts', "declare const db: { prepare(sql: string): unknown };\nexport const x = db.prepare('SELECT 1');\nexport const y = { db: 1 }.db;\n")).toEqual([]);
  });
});
