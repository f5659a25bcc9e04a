/**
 * `rostersync format …`: the vendor formats RosterSync can write, built-in and custom.
 *   list                          every format (built-in and custom)
 *   show ID                       files, dialect, columns and rules (--json: the whole definition)
 *   clone ID NEW_ID [--file F]    copy a format to edit: into a file (YAML, or JSON by extension) or straight into the store
 *   import FILE                   store a custom format (YAML or JSON), validated first
 *   validate FILE                 check a custom format file without storing it
 *   delete ID                     remove a custom format no destination uses
 * Custom formats can also come in with the whole configuration (`config import`, customFormats).
 */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import type { ColumnDef, FileDef, FormatDef } from '../../shared/format.js';
import { resolveDialect } from '../../shared/format.js';
import { BUILT_IN_FORMATS, listFormats } from '../../formats/registry.js';
import { loadCustomFormats, parseCustomFormat } from '../../formats/custom-formats.js';
import { parseFormatDef } from '../../shared/format.schema.js';
import { writeTextAtomic } from '../../agent/config-file.js';
import type { AgentContext } from '../../home/context.js';
import { UsageError, withAgent, type CliKit } from '../cli-kit.js';

const isBuiltIn = (id: string): boolean => BUILT_IN_FORMATS.some((f) => f.id === id);

function allFormats(ctx: AgentContext): { formats: FormatDef[]; invalid: { id: string; message: string }[] } {
  const { formats, invalid } = loadCustomFormats(ctx.store.listCustomFormats());
  return { formats: listFormats(formats), invalid };
}

function findFormat(ctx: AgentContext, id: string): FormatDef {
  const { formats, invalid } = allFormats(ctx);
  const found = formats.find((f) => f.id === id);
  if (found) return found;
  const bad = invalid.find((i) => i.id === id);
  if (bad) throw new UsageError(bad.message);
  throw new UsageError(`No format "${id}". Formats: ${formats.map((f) => f.id).join(', ')}.`);
}

function readDefinitionFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`Cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    return file.endsWith('.json') ? JSON.parse(text) : YAML.parse(text);
  } catch (err) {
    throw new UsageError(`${file}: not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`);
  }
}

function validated(raw: unknown, where: string): FormatDef {
  try {
    return parseCustomFormat(raw, where);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

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

export function describeFormat(format: FormatDef): string {
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
  const { action, globals, print } = kit;
  const format = program.command('format').description('vendor formats: list, show, clone to customise, import, delete');

  format
    .command('list')
    .description('every format: built-in and custom')
    .action(
      action((cmd) =>
        withAgent(globals(cmd), (ctx) => {
          const { formats, invalid } = allFormats(ctx);
          const rows = formats.map((f) => ({ id: f.id, builtIn: isBuiltIn(f.id), version: f.version, displayName: f.displayName, files: f.files.map((x) => x.name) }));
          print(globals(cmd), { formats: rows, invalid }, () =>
            [
              ...rows.map((r) => `${r.id.padEnd(38)} ${r.builtIn ? 'built-in' : 'custom  '}  ${r.displayName}  [${r.files.join(', ')}]`),
              ...invalid.map((i) => `${i.id.padEnd(38)} INVALID   ${i.message}`),
            ].join('\n'),
          );
          return 0;
        }),
      ),
    );

  format
    .command('show')
    .description('one format: files, dialect, columns, rules and options (--json: the whole definition)')
    .argument('<id>')
    .action(
      action((cmd, id: string) =>
        withAgent(globals(cmd), (ctx) => {
          const f = findFormat(ctx, id);
          print(globals(cmd), f, () => describeFormat(f));
          return 0;
        }),
      ),
    );

  format
    .command('clone')
    .description('copy a format under a new id to customise: into --file (YAML, or JSON for .json) to edit and import, or straight into the store')
    .argument('<id>')
    .argument('<newId>')
    .option('--file <path>', 'write the definition to this file instead of storing it')
    .action(
      action((cmd, id: string, newId: string) =>
        withAgent(globals(cmd), (ctx) => {
          const { file } = cmd.opts<{ file?: string }>();
          const original = findFormat(ctx, id);
          if (allFormats(ctx).formats.some((f) => f.id === newId)) throw new UsageError(`A format "${newId}" already exists; choose another id.`);
          const copy = validated(
            { ...structuredClone(original), id: newId, displayName: `${original.displayName} (custom)`, description: `${original.description} Cloned from ${original.id}.` },
            'new id',
          );
          if (file) {
            writeTextAtomic(file, file.endsWith('.json') ? `${JSON.stringify(copy, null, 2)}\n` : `# RosterSync custom format, cloned from ${original.id}. Edit, then: rostersync format import ${file}\n${YAML.stringify(copy)}`);
            print(globals(cmd), { id: newId, file }, () => `Format ${id} cloned as ${newId} into ${file}. Edit it, then: rostersync format import ${file}`);
          } else {
            ctx.store.saveCustomFormat(newId, copy);
            print(globals(cmd), { id: newId, stored: true }, () => `Format ${id} cloned as custom format ${newId}. Export it to edit: rostersync format show ${newId} --json`);
          }
          return 0;
        }),
      ),
    );

  format
    .command('import')
    .description('store a custom format from a YAML or JSON file (validated first; replaces a custom format with the same id)')
    .argument('<file>')
    .action(
      action((cmd, file: string) =>
        withAgent(globals(cmd), (ctx) => {
          const def = validated(readDefinitionFile(file), file);
          const replaced = loadCustomFormats(ctx.store.listCustomFormats()).formats.some((f) => f.id === def.id);
          ctx.store.saveCustomFormat(def.id, def);
          const users = ctx.store.listDestinations().filter((d) => d.format === def.id).map((d) => d.name);
          print(globals(cmd), { id: def.id, replaced, files: def.files.length, destinations: users }, () =>
            `${replaced ? 'Replaced' : 'Imported'} custom format ${def.id} (${def.files.length} file(s)) from ${file}.${users.length ? ` Used by: ${users.join(', ')}; preview them before the next run.` : ''}`,
          );
          return 0;
        }),
      ),
    );

  format
    .command('validate')
    .description('check a custom format file without storing it')
    .argument('<file>')
    .action(
      action((cmd, file: string) => {
        const raw = readDefinitionFile(file);
        try {
          const def = parseFormatDef(raw, file);
          print(globals(cmd), { ok: true, id: def.id }, () => `${file}: format ${def.id} is valid.`);
          return 0;
        } catch (err) {
          print(globals(cmd), { ok: false, message: (err as Error).message }, () => (err as Error).message);
          return 1;
        }
      }),
    );

  format
    .command('delete')
    .description('remove a custom format (not one a destination still uses)')
    .argument('<id>')
    .action(
      action((cmd, id: string) =>
        withAgent(globals(cmd), (ctx) => {
          if (isBuiltIn(id)) throw new UsageError(`${id} is a built-in format and cannot be deleted.`);
          const users = ctx.store.listDestinations().filter((d) => d.format === id).map((d) => d.name);
          if (users.length) throw new UsageError(`Format ${id} is used by destination(s) ${users.join(', ')}; point them at another format first.`);
          if (!ctx.store.deleteCustomFormat(id)) throw new UsageError(`No custom format "${id}".`);
          print(globals(cmd), { deleted: id }, () => `Custom format ${id} deleted.`);
          return 0;
        }),
      ),
    );
}
