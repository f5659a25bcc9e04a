/**
 * `rostersync format …`: the vendor formats RosterSync can write, built-in and custom; the
 * commands are shared with `profile` (src/cli/registry-commands.ts).
 *   list                          every format (built-in and custom)
 *   show ID                       files, dialect, columns and rules (--json: the whole definition)
 *   clone ID NEW_ID [--file F]    copy a format to edit: into a file (YAML, or JSON by extension) or straight into the store
 *   import FILE                   store a custom format (YAML or JSON), validated first
 *   validate FILE                 check a custom format file without storing it
 *   delete ID                     remove a custom format no destination uses
 * Custom formats can also come in with the whole configuration (`config import`, customFormats).
 */
import type { Command } from 'commander';
import type { ColumnDef, FileDef, FormatDef } from '../../shared/format.js';
import { resolveDialect } from '../../shared/format.js';
import { BUILT_IN_FORMATS, listFormats } from '../../formats/registry.js';
import { loadCustomFormats, parseCustomFormat } from '../../formats/custom-formats.js';
import { parseFormatDef } from '../../shared/format.schema.js';
import type { CliKit } from '../cli-kit.js';
import { registerRegistryCommands } from '../registry-commands.js';

const isBuiltIn = (id: string): boolean => BUILT_IN_FORMATS.some((f) => f.id === id);

const showChar = (s: string): string => JSON.stringify(s).slice(1, -1);

function describeRule(column: ColumnDef): string {
  const r = column.rule;
  if (!r) return '';
  const parts: string[] = [];
  if (r.allowed) parts.push(`one of ${r.allowed.length > 12 ? `${r.allowed.slice(0, 12).join(' ')} …` : r.allowed.join(' ')}`);
  if (r.pattern) parts.push(r.patternLabel ?? `pattern ${r.pattern}`);
  if (r.kind) parts.push(r.kind);
  if (r.maxLength) parts.push(`≤ ${r.maxLength} chars (warning)`);
  if (r.multi) parts.push(`list separated by "${r.multi.separator}"${r.multi.maxCount ? `, at most ${r.multi.maxCount}` : ''}`);
  return parts.join('; ');
}

function describeFile(format: FormatDef, file: FileDef): string {
  const d = resolveDialect(format, file);
  const lines = [
    `  ${file.name}  (${file.entities.join(' + ')}; key ${file.key.join(' + ') || 'none'}${file.alwaysPresent ? '; always sent' : ''})`,
    `    dialect: delimiter "${showChar(d.delimiter)}", quoting ${d.quoting}, line ending ${d.lineEnding === '\r\n' ? 'CRLF' : 'LF'}, ${d.bom ? 'BOM' : 'no BOM'}, ${d.header ? 'header row' : 'no header'}`,
  ];
  if (file.rowFilters?.length) lines.push(`    keeps rows where ${file.rowFilters.map((f) => `${f.field} ∈ {${f.values.filter(Boolean).join(', ')}}`).join(' and ')}`);
  if (file.repeats?.length) lines.push(`    a record may have several rows, one per ${file.repeats.join(' + ')}`);
  if (file.rowPer) lines.push(`    one row per value of ${Object.entries(file.rowPer).map(([e, f]) => `${e}.${f}`).join(', ')}`);
  for (const rule of file.rowRules ?? []) {
    lines.push(rule.kind === 'anyOf' ? `    each row needs one of ${rule.columns.join(', ')}` : `    one ${rule.key.join(' + ')} = one ${rule.columns.join(', ')}`);
  }
  for (const ref of file.references ?? []) lines.push(`    ${ref.column} → ${ref.file} ${ref.targetColumn}`);
  for (const c of file.columns) {
    const rule = describeRule(c);
    lines.push(`    ${c.required ? '*' : ' '} ${c.name}${rule ? `  [${rule}]` : ''}${c.sensitive ? '  (sensitive)' : ''}`);
  }
  return lines.join('\n');
}

function describeFormat(format: FormatDef): string {
  const out = [
    `${format.id}  ${format.displayName}  (version ${format.version}${isBuiltIn(format.id) ? ', built-in' : ', custom'})`,
    format.description,
    `Header case: ${format.headerCase ?? 'as-is'}. Sync modes: full${format.supportsDelta ? ', delta' : ' only'}.${format.requiresRowFilter ? ' Needs a destination row filter.' : ''}${format.packaging?.zip ? ` Optional zip: ${format.packaging.zip}.` : ''}${format.packaging?.oneRosterManifest ? ' Writes manifest.csv.' : ''}`,
  ];
  if (format.options?.length) {
    out.push('Options:');
    for (const o of format.options) out.push(`  ${o.id} (${o.type}, default ${String(o.default)}): ${o.label}${o.description ? ` — ${o.description}` : ''}`);
  }
  out.push('Files (* = required column):');
  for (const f of [...format.files].sort((a, b) => a.order - b.order)) out.push(describeFile(format, f));
  return out.join('\n');
}

export function registerFormatCommands(program: Command, kit: CliKit): void {
  registerRegistryCommands(program, kit, {
    noun: 'format',
    fileKind: 'format',
    description: 'vendor formats: list, show, clone to customise, import, delete',
    help: {
      list: 'every format: built-in and custom',
      show: 'one format: files, dialect, columns, rules and options (--json: the whole definition)',
      clone: 'copy a format under a new id to customise: into --file (YAML, or JSON for .json) to edit and import, or straight into the store',
      import: 'store a custom format from a YAML or JSON file (validated first; replaces a custom format with the same id)',
      validate: 'check a custom format file without storing it',
      delete: 'remove a custom format (not one a destination still uses)',
    },
    idWidth: 38,
    isBuiltIn,
    all: (ctx) => {
      const { formats, invalid } = loadCustomFormats(ctx.store.listCustomFormats());
      return { defs: listFormats(formats), invalid };
    },
    custom: (ctx) => loadCustomFormats(ctx.store.listCustomFormats()).formats,
    parseCustom: parseCustomFormat,
    parse: parseFormatDef,
    listRow: (f, builtIn) => ({ id: f.id, builtIn, version: f.version, displayName: f.displayName, files: f.files.map((x) => x.name) }),
    listText: (r) => `${r.displayName}  [${r.files.join(', ')}]`,
    describe: describeFormat,
    cloneOf: (original, newId) => ({ ...structuredClone(original), id: newId, displayName: `${original.displayName} (custom)`, description: `${original.description} Cloned from ${original.id}.` }),
    save: (ctx, id, def) => ctx.store.saveCustomFormat(id, def),
    remove: (ctx, id) => ctx.store.deleteCustomFormat(id),
    users: { of: (ctx, id) => ctx.store.listDestinations().filter((d) => d.format === id).map((d) => d.name), what: 'destination(s)' },
    imported: (def, replaced, users, file) => ({
      json: { id: def.id, replaced, files: def.files.length, destinations: users },
      text: `${replaced ? 'Replaced' : 'Imported'} custom format ${def.id} (${def.files.length} file(s)) from ${file}.${users.length ? ` Used by: ${users.join(', ')}; preview them before the next run.` : ''}`,
    }),
  });
}
