/**
 * The layer rule of ../README.md ("Layers"), checked by `npm run lint`: every relative import is
 * resolved to the file it names and judged by the folders of both ends. Resolving the path (as VS
 * Code's build/lib/layersChecker.ts does) instead of matching import strings means `../../agent/x`
 * from a nested folder is caught as surely as `../agent/x`, without a plug-in dependency.
 *
 * Inside src/, bottom to top: an import may point down or sideways inside its layer, never up.
 * A new folder under src/ must be given a layer here before anything imports it or it imports
 * anything.
 */
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const SRC_LAYERS = [
  ['shared'], // types, schemas, pure functions (also the renderer's)
  ['log', 'secrets', 'store'], // structured logs; the vault; the only SQL
  ['sources', 'destinations', 'formats', 'profiles', 'demo'], // plug-ins: registries + drivers, data
  ['home'], // the opened data folder: layout, store + vault, secrets per connection, API key and info files
  ['pipeline'], // one run from resolved inputs: no lock, no mail
  ['scheduler', 'notify'],
  ['agent', 'api', 'service'], // the runner, the HTTP API, service install
  ['cli'],
];

/** What the two clients of the agent may import from src/ (nothing else, and not each other). */
export const CLIENT_ALLOWED = {
  renderer: ['shared'],
  electron: ['shared', 'home'],
};


const layerOf = new Map(SRC_LAYERS.flatMap((folders, index) => folders.map((folder) => [folder, index])));

/** `{ area: 'src' | 'electron' | 'renderer' | …, folder }` of a repository path. */
function place(path) {
  const parts = relative(ROOT, path).split(sep);
  if (parts[0] === '..') return { area: 'outside' };
  if (parts[0] === 'src') return { area: 'src', folder: parts.length > 2 ? parts[1] : '' };
  return { area: parts[0] };
}

const layerName = (folder) => `src/${folder}/ (layer ${layerOf.get(folder) + 1}: ${SRC_LAYERS[layerOf.get(folder)].join(', ')})`;

/** Why `from` may not import `to`, or undefined when it may. */
export function layerBreach(from, to) {
  const a = place(from);
  const b = place(to);
  if (a.area === 'src') {
    if (b.area === 'electron' || b.area === 'renderer') return `src/ never imports ${b.area}/: the agent runs without it.`;
    if (b.area !== 'src' || a.folder === '' || b.folder === '' || a.folder === b.folder) return undefined;
    for (const folder of [a.folder, b.folder]) {
      if (!layerOf.has(folder)) return `src/${folder}/ has no layer: add it to SRC_LAYERS in lint/layers.js (bottom to top).`;
    }
    if (layerOf.get(b.folder) > layerOf.get(a.folder)) {
      return `${layerName(a.folder)} may not import ${layerName(b.folder)}: imports point down or sideways, never up.`;
    }
    return undefined;
  }
  if (a.area in CLIENT_ALLOWED) {
    const other = a.area === 'renderer' ? 'electron' : 'renderer';
    if (b.area === other) return `${a.area}/ may not import ${other}/: share code through src/shared/.`;
    if (b.area === 'src' && !CLIENT_ALLOWED[a.area].includes(b.folder)) {
      return `${a.area}/ may import only ${CLIENT_ALLOWED[a.area].map((f) => `src/${f}/`).join(' and ')} from src/, not src/${b.folder}/ (it talks to the agent through the typed API).`;
    }
  }
  return undefined;
}

/** `../x.js` written for NodeNext names the `.ts` file beside it. */
const sourceFile = (path) => path.replace(/\.js$/, '.ts');

const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'Imports follow the layers of src/ and the client boundaries (README, "Layers").' },
    schema: [],
  },
  create(context) {
    const from = resolve(context.filename);
    const check = (node, specifier) => {
      if (typeof specifier !== 'string' || !specifier.startsWith('.')) return;
      const to = sourceFile(resolve(dirname(from), specifier));
      const breach = layerBreach(from, to);
      if (breach) context.report({ node, message: `${specifier}: ${breach}` });
    };
    const fromSource = (node) => node.source && check(node.source, node.source.value);
    return {
      ImportDeclaration: fromSource,
      ExportNamedDeclaration: fromSource,
      ExportAllDeclaration: fromSource,
      ImportExpression: (node) => node.source.type === 'Literal' && check(node.source, node.source.value),
      TSImportType: (node) => {
        const literal = node.argument?.literal ?? node.argument;
        if (literal?.type === 'Literal') check(literal, literal.value);
      },
    };
  },
};

/**
 * SQLite files that are not the store, each opened by one file outside src/store/ that may
 * therefore import better-sqlite3. The store itself is sealed: only src/store/ writes its SQL.
 */
export const OTHER_SQLITE_FILES = {
  'src/sources/sqlite.ts': "a district's SQLite SIS, read-only",
  'src/demo/sqlite-loader.ts': 'the demo SIS it writes',
  'src/pipeline/fingerprints.ts': "a destination's pre-version-3 fingerprint file, converted once; the consistency table of a run",
};

const SQL_METHODS = new Set(['prepare', 'exec', 'transaction', 'pragma', 'backup', 'function', 'aggregate', 'table']);

/** Why `path` may not import better-sqlite3, or undefined when it may. */
export function sqliteImportBreach(path) {
  const parts = relative(ROOT, path).split(sep);
  if (parts[0] === 'src' && parts[1] === 'store') return undefined;
  if (parts.join('/') in OTHER_SQLITE_FILES) return undefined;
  return "better-sqlite3 outside src/store/: the store is sealed; ask it through a named method of src/store/ (another SQLite file: list it in OTHER_SQLITE_FILES of lint/layers.js).";
}

const sealedStore = {
  meta: {
    type: 'problem',
    docs: { description: 'Only src/store/ writes the store\'s SQL (README, "Layers").' },
    schema: [],
  },
  create(context) {
    const path = resolve(context.filename);
    const parts = relative(ROOT, path).split(sep);
    if (parts[0] === 'src' && parts[1] === 'store') return {};
    const checkImport = (node, specifier) => {
      if (specifier !== 'better-sqlite3') return;
      const breach = sqliteImportBreach(path);
      if (breach) context.report({ node, message: breach });
    };
    return {
      ImportDeclaration: (node) => checkImport(node.source, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && checkImport(node.source, node.source.value),
      CallExpression: (node) => node.callee.type === 'Identifier' && node.callee.name === 'require' && node.arguments[0]?.type === 'Literal' && checkImport(node.arguments[0], node.arguments[0].value),
      // `<anything>.db.prepare(…)`, `(store.db as X).transaction(…)`, `ctx.store['db'].pragma(…)`: SQL on the store's connection.
      MemberExpression: (node) => {
        let inner = node.object;
        while (['TSAsExpression', 'TSNonNullExpression', 'TSTypeAssertion', 'TSSatisfiesExpression', 'ChainExpression'].includes(inner.type)) inner = inner.expression;
        if (inner.type !== 'MemberExpression') return;
        const innerName = inner.computed ? inner.property.value : inner.property.name;
        const method = node.computed ? node.property.value : node.property.name;
        if (innerName === 'db' && SQL_METHODS.has(method)) {
          context.report({ node, message: `.db.${method}: SQL on the store's connection outside src/store/; give the store a method named for what it means (src/store/store.ts).` });
        }
      },
    };
  },
};

export default { rules: { imports: rule, 'sealed-store': sealedStore } };
