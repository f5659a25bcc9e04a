/**
 * The embedded demo district: a deterministic SIS in SQLite (src/demo/), a source reading it,
 * and an outbox destination with a site map — ready for a full OneRoster sync. Re-running is
 * safe: the SIS file is rebuilt identically and the configuration is upserted.
 */
import { join } from 'node:path';
import { createDemoDatabase } from '../demo/sqlite-loader.js';
import { DEMO_QUERIES } from '../demo/queries.js';
import { getSourceDriver } from '../sources/registry.js';
import { sourceConfigSchema, destinationConfigSchema, type SiteMapEntry } from '../shared/config.schema.js';
import type { AgentContext } from '../home/context.js';

export const DEMO_SOURCE = 'demo-sis';
export const DEMO_DESTINATION = 'demo-outbox';

export interface DemoSetup {
  readonly sisPath: string;
  readonly outbox: string;
  readonly schools: number;
}

export async function setupDemo(ctx: AgentContext, options: { students?: number } = {}): Promise<DemoSetup> {
  const sisPath = join(ctx.layout.demoDir, 'sis.db');
  await createDemoDatabase(sisPath, { students: options.students ?? 1500 });
  ctx.store.saveSource(
    sourceConfigSchema.parse({
      name: DEMO_SOURCE,
      type: 'sqlite',
      settings: { path: sisPath },
      entities: Object.fromEntries(Object.entries(DEMO_QUERIES).map(([entity, query]) => [entity, { query }])),
    }),
  );
  ctx.store.saveDestination(
    destinationConfigSchema.parse({
      ...(ctx.store.getDestination(DEMO_DESTINATION) ?? {}),
      name: DEMO_DESTINATION,
      source: DEMO_SOURCE,
      format: 'oneroster-1.1',
      type: 'folder',
      settings: { path: ctx.layout.outbox },
    }),
  );
  // Site map: every demo school gets a vendor site ID, as a vendor would hand them out.
  const session = await getSourceDriver('sqlite').open({ path: sisPath }, {});
  const siteMap: SiteMapEntry[] = [];
  try {
    for await (const { row } of session.read({ entity: 'schools', query: DEMO_QUERIES.schools })) {
      const code = row.school_code ?? '';
      siteMap.push({ schoolCode: code, siteId: `SITE-${code}`, label: row.name ?? code });
    }
  } finally {
    await session.close();
  }
  if (!ctx.store.getSiteMap(DEMO_DESTINATION).length) ctx.store.replaceSiteMap(DEMO_DESTINATION, siteMap);
  return { sisPath, outbox: ctx.layout.outbox, schools: siteMap.length };
}
