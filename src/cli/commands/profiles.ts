/**
 * `rostersync profile …`: the SIS profiles a source can name (`profile:` beside `type:`).
 *   list                          every profile (built-in and custom), its engines and how it was verified
 *   show ID                       detection tables, and each entity's query (or file and header map) with its notes
 *   clone ID NEW_ID [--file F]    copy a profile to edit: into a file (YAML, or JSON by extension) or straight into the store
 *   import FILE                   store a custom profile (YAML or JSON), checked first (shape, engines, read-only SQL)
 *   delete ID                     remove a custom profile no source uses
 * Custom profiles can also come in with the whole configuration (`config import`, customProfiles).
 */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import type { SisProfile } from '../../shared/sis-profile.js';
import { isBuiltInProfile, listProfiles } from '../../profiles/registry.js';
import { loadCustomProfiles, parseCustomProfile } from '../../profiles/profile.schema.js';
import { writeTextAtomic } from '../../agent/config-file.js';
import type { AgentContext } from '../../home/context.js';
import { UsageError, withAgent, type CliKit } from '../cli-kit.js';

function allProfiles(ctx: AgentContext): { profiles: SisProfile[]; invalid: { id: string; message: string }[] } {
  const { profiles, invalid } = loadCustomProfiles(ctx.store.listCustomProfiles());
  return { profiles: listProfiles(profiles), invalid };
}

function findProfile(ctx: AgentContext, id: string): SisProfile {
  const { profiles, invalid } = allProfiles(ctx);
  const found = profiles.find((p) => p.id === id);
  if (found) return found;
  const bad = invalid.find((i) => i.id === id);
  if (bad) throw new UsageError(bad.message);
  throw new UsageError(`No profile "${id}". Profiles: ${profiles.map((p) => p.id).join(', ') || 'none'}.`);
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

function validated(raw: unknown, where: string): SisProfile {
  try {
    return parseCustomProfile(raw, where);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

const indent = (text: string, by: string): string => text.split('\n').map((l) => `${by}${l}`).join('\n');

export function describeProfile(profile: SisProfile): string {
  const folder = profile.engines.includes('folder');
  const out = [
    `${profile.id}  ${profile.name}  (${isBuiltInProfile(profile.id) ? 'built-in' : `custom${profile.clonedFrom ? `, cloned from ${profile.clonedFrom}` : ''}`}; engines: ${profile.engines.join(', ')})`,
    `Verified: ${profile.verification.note}`,
    ...(profile.reference ? [`Reference: ${profile.reference}`] : []),
    `Detected by ${folder ? 'export files' : 'tables'}:`,
    ...Object.entries((folder ? profile.detect.files : profile.detect.tables) ?? {}).map(([name, columns]) => `  ${name}: ${columns.join(', ')}`),
    'Entities:',
  ];
  for (const [entity, e] of Object.entries(profile.entities)) {
    if (!e) continue;
    out.push(`  ${entity}`);
    if (e.query) out.push(indent(e.query, '      '));
    if (e.file) out.push(`      file ${e.file}`);
    for (const [field, header] of Object.entries(e.columns ?? {})) out.push(`      ${field} ← ${header}`);
    for (const note of e.notes ?? []) out.push(`    · ${note}`);
  }
  return out.join('\n');
}

export function registerProfileCommands(program: Command, kit: CliKit): void {
  const { action, globals, print } = kit;
  const profile = program.command('profile').description('SIS profiles: list, show, clone to customise, import, delete');

  profile
    .command('list')
    .description('every SIS profile: built-in and custom, with its engines and how it was verified')
    .action(
      action((cmd) =>
        withAgent(globals(cmd), (ctx) => {
          const { profiles, invalid } = allProfiles(ctx);
          const rows = profiles.map((p) => ({ id: p.id, name: p.name, builtIn: isBuiltInProfile(p.id), engines: p.engines, testedInCi: p.verification.testedInCi, note: p.verification.note }));
          print(globals(cmd), { profiles: rows, invalid }, () =>
            [
              ...rows.map((r) => `${r.id.padEnd(24)} ${r.builtIn ? 'built-in' : 'custom  '}  ${r.name} [${r.engines.join(', ')}]  ${r.note}`),
              ...invalid.map((i) => `${i.id.padEnd(24)} INVALID   ${i.message}`),
            ].join('\n'),
          );
          return 0;
        }),
      ),
    );

  profile
    .command('show')
    .description("one profile: what detects it, each entity's query (or file and header map) and notes (--json: the whole definition)")
    .argument('<id>')
    .action(
      action((cmd, id: string) =>
        withAgent(globals(cmd), (ctx) => {
          const p = findProfile(ctx, id);
          print(globals(cmd), p, () => describeProfile(p));
          return 0;
        }),
      ),
    );

  profile
    .command('clone')
    .description('copy a profile under a new id to customise: into --file (YAML, or JSON for .json) to edit and import, or straight into the store')
    .argument('<id>')
    .argument('<newId>')
    .option('--file <path>', 'write the definition to this file instead of storing it')
    .action(
      action((cmd, id: string, newId: string) =>
        withAgent(globals(cmd), (ctx) => {
          const { file } = cmd.opts<{ file?: string }>();
          const original = findProfile(ctx, id);
          if (allProfiles(ctx).profiles.some((p) => p.id === newId)) throw new UsageError(`A profile "${newId}" already exists; choose another id.`);
          const copy = validated(
            {
              ...structuredClone(original),
              id: newId,
              name: `${original.name} (custom)`,
              clonedFrom: original.id,
              verification: { testedInCi: false, note: `Custom profile cloned from ${original.id}; not tested by RosterSync.` },
            },
            'new id',
          );
          if (file) {
            writeTextAtomic(file, file.endsWith('.json') ? `${JSON.stringify(copy, null, 2)}\n` : `# RosterSync custom SIS profile, cloned from ${original.id}. Edit, then: rostersync profile import ${file}\n${YAML.stringify(copy)}`);
            print(globals(cmd), { id: newId, file }, () => `Profile ${id} cloned as ${newId} into ${file}. Edit it, then: rostersync profile import ${file}`);
          } else {
            ctx.store.saveCustomProfile(newId, copy);
            print(globals(cmd), { id: newId, stored: true }, () => `Profile ${id} cloned as custom profile ${newId}. Export it to edit: rostersync profile show ${newId} --json`);
          }
          return 0;
        }),
      ),
    );

  profile
    .command('import')
    .description('store a custom profile from a YAML or JSON file (checked first; replaces a custom profile with the same id)')
    .argument('<file>')
    .action(
      action((cmd, file: string) =>
        withAgent(globals(cmd), (ctx) => {
          const def = validated(readDefinitionFile(file), file);
          const replaced = loadCustomProfiles(ctx.store.listCustomProfiles()).profiles.some((p) => p.id === def.id);
          ctx.store.saveCustomProfile(def.id, def);
          const users = ctx.store.listSources().filter((s) => s.profile === def.id).map((s) => s.name);
          print(globals(cmd), { id: def.id, replaced, entities: Object.keys(def.entities), sources: users }, () =>
            `${replaced ? 'Replaced' : 'Imported'} custom profile ${def.id} (${Object.keys(def.entities).join(', ')}) from ${file}.${users.length ? ` Used by source(s): ${users.join(', ')}; preview their destinations before the next run.` : ''}`,
          );
          return 0;
        }),
      ),
    );

  profile
    .command('delete')
    .description('remove a custom profile (not one a source still names)')
    .argument('<id>')
    .action(
      action((cmd, id: string) =>
        withAgent(globals(cmd), (ctx) => {
          if (isBuiltInProfile(id)) throw new UsageError(`${id} is a built-in profile and cannot be deleted.`);
          const users = ctx.store.listSources().filter((s) => s.profile === id).map((s) => s.name);
          if (users.length) throw new UsageError(`Profile ${id} is used by source(s) ${users.join(', ')}; point them at another profile first.`);
          if (!ctx.store.deleteCustomProfile(id)) throw new UsageError(`No custom profile "${id}".`);
          print(globals(cmd), { deleted: id }, () => `Custom profile ${id} deleted.`);
          return 0;
        }),
      ),
    );
}
