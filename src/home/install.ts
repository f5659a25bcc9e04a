/**
 * Where the installed app's own files are: the package folder, its version and the built
 * renderer. The agent serves the renderer from here and the tray app loads it, so both resolve a
 * URL path inside it the same way.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding package.json (works from src/ under tsx/vitest and from dist/src/ when built). */
export function packageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      try {
        if ((JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string }).name === 'rostersync') return dir;
      } catch {
        // keep looking
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`No RosterSync package.json above ${from}.`);
    dir = parent;
  }
}

let version: string | undefined;
export function appVersion(): string {
  version ??= (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  return version;
}

/** The built renderer (vite output) next to package.json. */
export const defaultStaticDir = (): string => join(packageRoot(), 'dist-renderer');

/** The file a URL path maps to inside `root`, or undefined when it would leave it. Pure apart from nothing. */
export function resolveStaticPath(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath.split('?')[0]!.split('#')[0]!);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const base = resolve(root);
  const target = resolve(base, `.${sep}${normalize(decoded).replace(/^([/\\])+/, '')}`);
  if (target !== base && !target.startsWith(base + sep)) return undefined;
  return target;
}
