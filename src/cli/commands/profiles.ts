/**
 * `rostersync profile …`: the SIS profiles a source can name (`profile:` beside `type:`); the
 * commands are shared with `format` (src/cli/registry-commands.ts).
 *   list                          every profile (built-in and custom), its engines and how it was verified
 *   show ID                       detection tables, and each entity's query (or file and header map) with its notes
 *   clone ID NEW_ID [--file F]    copy a profile to edit: into a file (YAML, or JSON by extension) or straight into the store
 *   import FILE                   store a custom profile (YAML or JSON), checked first (shape, engines, read-only SQL)
 *   delete ID                     remove a custom profile no source uses
 * Custom profiles can also come in with the whole configuration (`config import`, customProfiles).
 */
import type { Command } from 'commander';
import type { SisProfile } from '../../shared/sis-profile.js';
import { isBuiltInProfile, listProfiles } from '../../profiles/registry.js';
import { loadCustomProfiles, parseCustomProfile } from '../../profiles/profile.schema.js';
import { readsFiles } from '../../profiles/resolve.js';
import type { CliKit } from '../cli-kit.js';
import { registerRegistryCommands } from '../registry-commands.js';

const indent = (text: string, by: string): string => text.split('\n').map((l) => `${by}${l}`).join('\n');

function describeProfile(profile: SisProfile): string {
  const folder = readsFiles(profile);
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
  registerRegistryCommands(program, kit, {
    noun: 'profile',
    fileKind: 'SIS profile',
    description: 'SIS profiles: list, show, clone to customise, import, delete',
    help: {
      list: 'every SIS profile: built-in and custom, with its engines and how it was verified',
      show: "one profile: what detects it, each entity's query (or file and header map) and notes (--json: the whole definition)",
      clone: 'copy a profile under a new id to customise: into --file (YAML, or JSON for .json) to edit and import, or straight into the store',
      import: 'store a custom profile from a YAML or JSON file (checked first; replaces a custom profile with the same id)',
      delete: 'remove a custom profile (not one a source still names)',
    },
    idWidth: 24,
    isBuiltIn: isBuiltInProfile,
    all: (ctx) => {
      const { profiles, invalid } = loadCustomProfiles(ctx.store.listCustomProfiles());
      return { defs: listProfiles(profiles), invalid };
    },
    custom: (ctx) => loadCustomProfiles(ctx.store.listCustomProfiles()).profiles,
    parseCustom: parseCustomProfile,
    listRow: (p, builtIn) => ({ id: p.id, name: p.name, builtIn, engines: p.engines, testedInCi: p.verification.testedInCi, note: p.verification.note }),
    listText: (r) => `${r.name} [${r.engines.join(', ')}]  ${r.note}`,
    describe: describeProfile,
    cloneOf: (original, newId) => ({
      ...structuredClone(original),
      id: newId,
      name: `${original.name} (custom)`,
      clonedFrom: original.id,
      verification: { testedInCi: false, note: `Custom profile cloned from ${original.id}; not tested by RosterSync.` },
    }),
    save: (ctx, id, def) => ctx.store.saveCustomProfile(id, def),
    remove: (ctx, id) => ctx.store.deleteCustomProfile(id),
    users: { of: (ctx, id) => ctx.store.listSources().filter((s) => s.profile === id).map((s) => s.name), what: 'source(s)' },
    imported: (def, replaced, users, file) => ({
      json: { id: def.id, replaced, entities: Object.keys(def.entities), sources: users },
      text: `${replaced ? 'Replaced' : 'Imported'} custom profile ${def.id} (${Object.keys(def.entities).join(', ')}) from ${file}.${users.length ? ` Used by source(s): ${users.join(', ')}; preview their destinations before the next run.` : ''}`,
    }),
  });
}
