/** The site-ID map per destination: edit, import/export CSV or Excel, schools not in the map. */
import { loadSourceSecrets } from '../../home/context.js';
import { parseSiteMapFile, siteMapToCsv, siteMapToXlsx } from '../../agent/site-map-file.js';
import { getSourceDriver } from '../../sources/registry.js';
import { entityRequestOf, resolveSourceEntities } from '../../profiles/resolve.js';
import { ApiError, type UnmappedSchool } from '../../shared/api.contract.js';
import type { AgentContext } from '../../home/context.js';
import { badRequest, notFound } from '../services.js';
import { asBadRequest } from './validate.js';
import type { HandlerGroup } from './types.js';

const MAX_SITE_MAP_BYTES = 10 * 1024 * 1024;

function destinationOrThrow(ctx: AgentContext, name: string) {
  const d = ctx.store.getDestination(name);
  if (!d) throw notFound(`No destination named "${name}".`);
  return d;
}

function replace(ctx: AgentContext, destination: string, entries: Parameters<AgentContext['store']['replaceSiteMap']>[1]): void {
  asBadRequest(() => ctx.store.replaceSiteMap(destination, entries), 'entries');
}

/** Case-insensitive field of a source row. */
function field(row: Readonly<Record<string, string | null>>, name: string): string {
  const key = Object.keys(row).find((k) => k.trim().toLowerCase() === name);
  return key === undefined ? '' : (row[key] ?? '').trim();
}

export const siteMapHandlers: HandlerGroup<'getSiteMap' | 'saveSiteMap' | 'importSiteMap' | 'exportSiteMap' | 'unmappedSchools'> = {
  getSiteMap: ({ destination }, { ctx }) => {
    destinationOrThrow(ctx, destination);
    return ctx.store.getSiteMap(destination);
  },

  saveSiteMap: ({ destination, entries }, { ctx }) => {
    destinationOrThrow(ctx, destination);
    replace(ctx, destination, entries);
    return ctx.store.getSiteMap(destination);
  },

  importSiteMap: async ({ destination, fileName, contentBase64, save }, { ctx }) => {
    destinationOrThrow(ctx, destination);
    const data = Buffer.from(contentBase64, 'base64');
    if (data.length > MAX_SITE_MAP_BYTES) throw badRequest(`contentBase64: ${fileName} is larger than 10 MB; a site map has one row per school.`);
    let entries;
    try {
      entries = await parseSiteMapFile(fileName, data);
    } catch (err) {
      throw badRequest((err as Error).message);
    }
    if (save) replace(ctx, destination, entries);
    return { entries: save ? ctx.store.getSiteMap(destination) : entries, saved: save };
  },

  exportSiteMap: async ({ destination, format }, { ctx }) => {
    destinationOrThrow(ctx, destination);
    const entries = ctx.store.getSiteMap(destination);
    const base = `site-map-${destination.replace(/[^A-Za-z0-9._-]+/g, '-')}`;
    switch (format) {
      case 'csv':
        return { fileName: `${base}.csv`, mimeType: 'text/csv', contentBase64: Buffer.from(siteMapToCsv(entries), 'utf8').toString('base64') };
      case 'xlsx':
        return {
          fileName: `${base}.xlsx`,
          mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
          contentBase64: (await siteMapToXlsx(entries)).toString('base64'),
        };
      default: {
        const unknown: never = format;
        throw badRequest(`format: expected csv or xlsx; got ${String(unknown)}.`);
      }
    }
  },

  /** Schools of the destination's source (its `schools` entity, field school_code) that the map does not list. */
  unmappedSchools: async ({ destination }, { ctx }) => {
    const d = destinationOrThrow(ctx, destination);
    const source = ctx.store.getSource(d.source);
    if (!source) throw notFound(`Destination ${destination} reads source "${d.source}", which does not exist.`);
    const request = entityRequestOf(resolveSourceEntities(source, ctx.store.listCustomProfiles()), 'schools');
    if (!request) throw badRequest(`Source ${source.name} has no query or file for schools${source.profile ? ` (nor does its profile ${source.profile})` : ''}, so its school codes cannot be listed.`);
    const mapped = new Set(ctx.store.getSiteMap(destination).map((e) => e.schoolCode));
    const driver = getSourceDriver(source.type);
    const session = await driver.open(source.settings, loadSourceSecrets(ctx, source)).catch((err: Error) => {
      throw new ApiError('failed', `Source ${source.name}: ${err.message}`);
    });
    const seen = new Map<string, UnmappedSchool>();
    try {
      for await (const { row } of session.read(request)) {
        const code = field(row, 'school_code');
        if (code && !mapped.has(code) && !seen.has(code)) seen.set(code, { schoolCode: code, name: field(row, 'name') });
      }
    } finally {
      await session.close();
    }
    return [...seen.values()].sort((a, b) => a.schoolCode.localeCompare(b.schoolCode));
  },
};
