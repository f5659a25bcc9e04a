/**
 * Node module hooks that run the TypeScript sources directly in a child process (tests that need
 * a second real process: lock contention, a run killed with SIGKILL, the agent daemon). Each file
 * is transpiled on its own (the project uses isolatedModules); `./x.js` imports resolve to `./x.ts`.
 * Register with: node --import ./test/helpers/ts-register.mjs entry.ts
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, URL } from 'node:url';

/** Transpiled output is cached by content hash: later child processes start in about a second. */
const cacheDir = join(tmpdir(), 'rostersync-ts-cache');
mkdirSync(cacheDir, { recursive: true });

export async function resolve(specifier, context, nextResolve) {
  if (context.parentURL?.endsWith('.ts') && specifier.endsWith('.js') && (specifier.startsWith('.') || specifier.startsWith('file:'))) {
    const candidate = new URL(specifier.replace(/\.js$/, '.ts'), context.parentURL);
    if (existsSync(fileURLToPath(candidate))) return { url: candidate.href, shortCircuit: true };
  }
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (!url.endsWith('.ts')) return nextLoad(url, context);
  const fileName = fileURLToPath(url);
  const text = await readFile(fileName, 'utf8');
  const cached = join(cacheDir, `${createHash('sha256').update(fileName).update('\0').update(text).digest('hex')}.js`);
  const hit = await readFile(cached, 'utf8').catch(() => undefined);
  if (hit !== undefined) return { format: 'module', source: hit, shortCircuit: true };
  const { default: ts } = await import('typescript');
  const output = ts.transpileModule(text, {
    fileName,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, inlineSourceMap: true },
  }).outputText;
  const temp = `${cached}.${Math.random().toString(36).slice(2)}`;
  await writeFile(temp, output).then(() => rename(temp, cached)).catch(() => undefined);
  return { format: 'module', source: output, shortCircuit: true };
}
