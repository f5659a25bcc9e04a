/** The site-ID map per destination: edit, import/export CSV or Excel, schools not in the map. */
import { parseSiteMapFile, siteMapToCsv, siteMapToXlsx } from '../../agent/site-map-file.js';
import { checkSiteMapCodes, readSourceSchools, SourceSchoolsUnavailable } from '../../agent/school-codes.js';
import { ApiError } from '../../shared/api.contract.js';
import { describeLostLeadingZeros, padLostLeadingZeros, padQuestion } from '../../shared/school-codes.js';
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

  importSiteMap: async ({ destination, fileName, contentBase64, save, fixLeadingZeros }, { ctx }) => {
    const d = destinationOrThrow(ctx, destination);
    const data = Buffer.from(contentBase64, 'base64');
    if (data.length > MAX_SITE_MAP_BYTES) throw badRequest(`contentBase64: ${fileName} is larger than 10 MB; a site map has one row per school.`);
    let entries;
    try {
      entries = await parseSiteMapFile(fileName, data);
    } catch (err) {
      throw badRequest((err as Error).message);
    }
    const codeCheck = await checkSiteMapCodes(ctx, d, entries);
    const question = padQuestion(codeCheck.lostLeadingZeros);
    if (fixLeadingZeros) entries = padLostLeadingZeros(entries, codeCheck.lostLeadingZeros);
    if (save) {
      if (question && fixLeadingZeros === undefined) {
        throw badRequest(
          `fixLeadingZeros: ${fileName}: ${describeLostLeadingZeros(codeCheck.lostLeadingZeros).join(' ')} ${question} Send fixLeadingZeros true to pad them, or false to save the codes as written.`,
        );
      }
      replace(ctx, destination, entries);
    }
    return { entries: save ? ctx.store.getSiteMap(destination) : entries, saved: save, codeCheck };
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
    const mapped = new Set(ctx.store.getSiteMap(destination).map((e) => e.schoolCode));
    try {
      return (await readSourceSchools(ctx, d)).filter((s) => !mapped.has(s.schoolCode));
    } catch (err) {
      if (!(err instanceof SourceSchoolsUnavailable)) throw err;
      if (err.reason === 'no-source') throw notFound(err.message);
      throw err.reason === 'no-schools' ? badRequest(err.message) : new ApiError('failed', err.message);
    }
  },
};
