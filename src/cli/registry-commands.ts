/**
 * The commands of a registry of definitions that are data, built-in and custom — vendor formats
 * (`rostersync format …`) and SIS profiles (`rostersync profile …`):
 *   list                          every definition (built-in and custom), invalid stored ones with their problems
 *   show ID                       the definition in words (--json: the whole definition)
 *   clone ID NEW_ID [--file F]    copy a definition to edit: into a file (YAML, or JSON by extension) or straight into the store
 *   import FILE                   store a custom definition (YAML or JSON), checked first
 *   validate FILE                 (when the registry offers it) check a file without storing it
 *   delete ID                     remove a custom definition nothing uses
 * Each registry says what differs: its words, how a definition is checked, stored, described and used.
 */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { writeTextAtomic } from '../agent/config-file.js';
import type { AgentContext } from '../home/context.js';
import { UsageError, withAgent, type CliKit } from './cli-kit.js';

export interface InvalidDefinition {
  readonly id: string;
  readonly message: string;
}

export interface RegistrySpec<Def extends { readonly id: string }, ListRow extends { readonly id: string; readonly builtIn: boolean }> {
  /** The command and the word in messages: `format`, `profile`. */
  readonly noun: string;
  /** In the cloned file's first line: "format", "SIS profile". */
  readonly fileKind: string;
  /** The command group's description in --help. */
  readonly description: string;
  /** Each subcommand's description in --help. */
  readonly help: { readonly list: string; readonly show: string; readonly clone: string; readonly import: string; readonly validate?: string; readonly delete: string };
  /** The id column's width in `list`. */
  readonly idWidth: number;
  isBuiltIn(id: string): boolean;
  /** Built-in and valid custom definitions, and the stored custom ones that failed the checks. */
  all(ctx: AgentContext): { readonly defs: readonly Def[]; readonly invalid: readonly InvalidDefinition[] };
  /** The stored custom definitions that pass the checks. */
  custom(ctx: AgentContext): readonly Def[];
  /** Checks a custom definition (not a built-in id) or throws with the path of each problem. */
  parseCustom(raw: unknown, where: string): Def;
  /** `validate`: checks a definition file without the custom-id rule; absent: no `validate` command. */
  parse?(raw: unknown, where: string): Def;
  listRow(def: Def, builtIn: boolean): ListRow;
  /** The part of a `list` line after the id and built-in/custom columns. */
  listText(row: ListRow): string;
  describe(def: Def): string;
  /** The copy `clone` checks and stores, before its new id is known to be valid. */
  cloneOf(original: Def, newId: string): unknown;
  save(ctx: AgentContext, id: string, def: Def): void;
  /** false when there was no such custom definition. */
  remove(ctx: AgentContext, id: string): boolean;
  /** What uses a definition (destinations of a format, sources of a profile): names, and those words. */
  readonly users: { readonly of: (ctx: AgentContext, id: string) => string[]; readonly what: string };
  /** `import`'s answer: the JSON and the sentence. */
  imported(def: Def, replaced: boolean, users: readonly string[], file: string): { readonly json: unknown; readonly text: string };
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

const capitalised = (word: string): string => `${word[0]!.toUpperCase()}${word.slice(1)}`;

export function registerRegistryCommands<Def extends { readonly id: string }, ListRow extends { readonly id: string; readonly builtIn: boolean }>(
  program: Command,
  kit: CliKit,
  spec: RegistrySpec<Def, ListRow>,
): void {
  const { action, globals, print } = kit;
  const { noun } = spec;
  const Noun = capitalised(noun);

  const find = (ctx: AgentContext, id: string): Def => {
    const { defs, invalid } = spec.all(ctx);
    const found = defs.find((d) => d.id === id);
    if (found) return found;
    const bad = invalid.find((i) => i.id === id);
    if (bad) throw new UsageError(bad.message);
    const known = defs.map((d) => d.id).join(', ');
    throw new UsageError(`No ${noun} "${id}". ${Noun}s: ${known || 'none'}.`);
  };

  const validated = (raw: unknown, where: string): Def => {
    try {
      return spec.parseCustom(raw, where);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  };

  const group = program.command(noun).description(spec.description);

  group
    .command('list')
    .description(spec.help.list)
    .action(
      action((cmd) =>
        withAgent(globals(cmd), (ctx) => {
          const { defs, invalid } = spec.all(ctx);
          const rows = defs.map((d) => spec.listRow(d, spec.isBuiltIn(d.id)));
          print(globals(cmd), { [`${noun}s`]: rows, invalid }, () =>
            [
              ...rows.map((r) => `${r.id.padEnd(spec.idWidth)} ${r.builtIn ? 'built-in' : 'custom  '}  ${spec.listText(r)}`),
              ...invalid.map((i) => `${i.id.padEnd(spec.idWidth)} INVALID   ${i.message}`),
            ].join('\n'),
          );
          return 0;
        }),
      ),
    );

  group
    .command('show')
    .description(spec.help.show)
    .argument('<id>')
    .action(
      action((cmd, id: string) =>
        withAgent(globals(cmd), (ctx) => {
          const def = find(ctx, id);
          print(globals(cmd), def, () => spec.describe(def));
          return 0;
        }),
      ),
    );

  group
    .command('clone')
    .description(spec.help.clone)
    .argument('<id>')
    .argument('<newId>')
    .option('--file <path>', 'write the definition to this file instead of storing it')
    .action(
      action((cmd, id: string, newId: string) =>
        withAgent(globals(cmd), (ctx) => {
          const { file } = cmd.opts<{ file?: string }>();
          const original = find(ctx, id);
          if (spec.all(ctx).defs.some((d) => d.id === newId)) throw new UsageError(`A ${noun} "${newId}" already exists; choose another id.`);
          const copy = validated(spec.cloneOf(original, newId), 'new id');
          if (file) {
            writeTextAtomic(file, file.endsWith('.json') ? `${JSON.stringify(copy, null, 2)}\n` : `# RosterSync custom ${spec.fileKind}, cloned from ${original.id}. Edit, then: rostersync ${noun} import ${file}\n${YAML.stringify(copy)}`);
            print(globals(cmd), { id: newId, file }, () => `${Noun} ${id} cloned as ${newId} into ${file}. Edit it, then: rostersync ${noun} import ${file}`);
          } else {
            spec.save(ctx, newId, copy);
            print(globals(cmd), { id: newId, stored: true }, () => `${Noun} ${id} cloned as custom ${noun} ${newId}. Export it to edit: rostersync ${noun} show ${newId} --json`);
          }
          return 0;
        }),
      ),
    );

  group
    .command('import')
    .description(spec.help.import)
    .argument('<file>')
    .action(
      action((cmd, file: string) =>
        withAgent(globals(cmd), (ctx) => {
          const def = validated(readDefinitionFile(file), file);
          const replaced = spec.custom(ctx).some((d) => d.id === def.id);
          spec.save(ctx, def.id, def);
          const answer = spec.imported(def, replaced, spec.users.of(ctx, def.id), file);
          print(globals(cmd), answer.json, () => answer.text);
          return 0;
        }),
      ),
    );

  const { parse } = spec;
  if (parse && spec.help.validate) {
    group
      .command('validate')
      .description(spec.help.validate)
      .argument('<file>')
      .action(
        action((cmd, file: string) => {
          const raw = readDefinitionFile(file);
          try {
            const def = parse(raw, file);
            print(globals(cmd), { ok: true, id: def.id }, () => `${file}: ${noun} ${def.id} is valid.`);
            return 0;
          } catch (err) {
            print(globals(cmd), { ok: false, message: (err as Error).message }, () => (err as Error).message);
            return 1;
          }
        }),
      );
  }

  group
    .command('delete')
    .description(spec.help.delete)
    .argument('<id>')
    .action(
      action((cmd, id: string) =>
        withAgent(globals(cmd), (ctx) => {
          if (spec.isBuiltIn(id)) throw new UsageError(`${id} is a built-in ${noun} and cannot be deleted.`);
          const users = spec.users.of(ctx, id);
          if (users.length) throw new UsageError(`${Noun} ${id} is used by ${spec.users.what} ${users.join(', ')}; point them at another ${noun} first.`);
          if (!spec.remove(ctx, id)) throw new UsageError(`No custom ${noun} "${id}".`);
          print(globals(cmd), { deleted: id }, () => `Custom ${noun} ${id} deleted.`);
          return 0;
        }),
      ),
    );
}
