/**
 * Formats and the mapping wizard: format list/definition, suggestions by name similarity, and the
 * live preview — the real pipeline in dry-run mode on the drafted destination (nothing saved,
 * nothing delivered; the preview's run record and files are removed afterwards).
 */
import { createReadStream, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse';
import { loadSourceSecrets, type AgentContext } from '../../home/context.js';
import { BUILT_IN_FORMATS, getFormat, listFormats } from '../../formats/registry.js';
import { loadCustomFormats } from '../../formats/custom-formats.js';
import { runDestination } from '../../agent/runner.js';
import { DestinationBusyError } from '../../scheduler/lock.js';
import { getSourceDriver } from '../../sources/registry.js';
import { entityRequestOf, resolveSourceEntities } from '../../profiles/resolve.js';
import type { DestinationConfig } from '../../shared/config.schema.js';
import { resolveDialect, type Entity, type FormatDef } from '../../shared/format.js';
import { ApiError, type PreviewFile } from '../../shared/api.contract.js';
import { notFound } from '../services.js';
import { omittedFiles, suggestColumns } from '../mapping-suggest.js';
import { checkDestinationDraft } from './destinations.js';
import type { HandlerGroup } from './types.js';

/** Custom formats that pass validation (an invalid one is reported when a run uses it). */
const customFormats = (ctx: AgentContext): FormatDef[] => loadCustomFormats(ctx.store.listCustomFormats()).formats;

function formatOrThrow(ctx: AgentContext, id: string): FormatDef {
  try {
    return getFormat(id, customFormats(ctx));
  } catch (err) {
    throw notFound((err as Error).message);
  }
}

/** First `limit` data rows (and the header) of a written CSV file. */
async function readSample(path: string, delimiter: string, header: boolean, limit: number): Promise<{ header: string[]; rows: string[][] }> {
  const parser = createReadStream(path).pipe(parse({ delimiter, bom: true, relax_column_count: true, relax_quotes: true, to_line: limit + (header ? 1 : 0) }));
  const records: string[][] = [];
  for await (const record of parser as AsyncIterable<string[]>) records.push(record);
  return header ? { header: records[0] ?? [], rows: records.slice(1) } : { header: [], rows: records };
}

export const mappingHandlers: HandlerGroup<'listFormats' | 'getFormat' | 'suggestMapping' | 'previewMapping'> = {
  listFormats: (_input, { ctx }) =>
    listFormats(customFormats(ctx)).map((f) => ({
      id: f.id,
      version: f.version,
      displayName: f.displayName,
      description: f.description,
      files: f.files.map((file) => file.name),
      options: f.options ?? [],
      builtIn: BUILT_IN_FORMATS.includes(f),
    })),

  getFormat: ({ id }, { ctx }) => formatOrThrow(ctx, id),

  suggestMapping: async ({ source, format: formatId, formatOptions, mapping }, { ctx }) => {
    const config = ctx.store.getSource(source);
    if (!config) throw notFound(`No source named "${source}".`);
    const format = formatOrThrow(ctx, formatId);
    const driver = getSourceDriver(config.type);
    const secrets = loadSourceSecrets(ctx, config);
    const omitted = omittedFiles(format, formatOptions);
    const entities = [...new Set(format.files.filter((f) => !omitted.has(f.name)).flatMap((f) => f.entities))];
    const sourceFields: Partial<Record<Entity, string[]>> = {};
    const sourceErrors: Partial<Record<Entity, string>> = {};
    const resolved = resolveSourceEntities(config, ctx.store.listCustomProfiles());
    for (const entity of entities) {
      const request = entityRequestOf(resolved, entity);
      if (!request) {
        sourceErrors[entity] = `Source ${source} has no query or file for ${entity}${config.profile ? ` (nor does its profile ${config.profile})` : ''}.`;
        continue;
      }
      try {
        const sample = await driver.sample(config.settings, secrets, request, 1);
        sourceFields[entity] = [...sample.columns];
      } catch (err) {
        sourceErrors[entity] = (err as Error).message;
      }
    }
    return { sourceFields, sourceErrors, columns: suggestColumns(format, sourceFields, formatOptions, mapping ?? {}) };
  },

  previewMapping: async ({ config, siteMap, rows, findingsLimit, keepBadRows }, { ctx }) => {
    checkDestinationDraft(ctx, config);
    const format = getFormat(config.format, customFormats(ctx));
    // Preview the CSV files themselves, not the zip they may be packed into; 'block' writes every row, bad ones included.
    const draft: DestinationConfig = {
      ...config,
      ...(format.options?.some((o) => o.id === 'zip') ? { formatOptions: { ...config.formatOptions, zip: false } } : {}),
      ...(keepBadRows ? { onValidationError: 'block' as const } : {}),
    };
    let result;
    try {
      result = await runDestination(ctx, draft.name, { trigger: 'preview', dryRun: true, draft: { destination: draft, siteMap } });
    } catch (err) {
      if (err instanceof DestinationBusyError) throw new ApiError('conflict', err.message);
      throw err;
    }
    try {
      const detail = ctx.store.getRunDetail(result.runId, findingsLimit)!;
      const files: PreviewFile[] = [];
      for (const f of result.files) {
        const path = join(result.outputDir, f.name);
        const def = format.files.find((d) => d.name === f.name);
        const dialect = def ? resolveDialect(format, def) : { delimiter: ',', header: true };
        const sample = f.name.endsWith('.csv') && existsSync(path) ? await readSample(path, dialect.delimiter, dialect.header, rows) : { header: [], rows: [] };
        files.push({ name: f.name, rows: f.rows, bytes: f.bytes, header: sample.header, sample: sample.rows });
      }
      const unmapped = new Set([...result.unmappedSchools, ...result.findings.filter((f) => f.rule === 'site-map').map((f) => f.value.trim())]);
      return {
        status: result.status,
        message: result.message,
        errors: result.errors,
        warnings: result.warnings,
        files,
        findings: detail.findings,
        findingsTotal: detail.findingsTotal,
        holdReasons: result.holdReasons,
        diff: result.diff,
        unmappedSchools: [...unmapped].sort(),
      };
    } finally {
      rmSync(join(ctx.layout.runsDir, String(result.runId)), { recursive: true, force: true });
      ctx.store.deleteRun(result.runId);
    }
  },
};

