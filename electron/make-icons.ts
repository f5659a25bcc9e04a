/**
 * Writes build/icon.png (512 px, Linux and the builder's source), build/icon.ico (Windows,
 * 16–256 px) and build/tray/<state>.png + @2x from icon-art.ts. Run after a build:
 *   npm run build && node dist/electron/make-icons.js
 * The generated files are committed, so packaging needs no extra step.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { appIconPng, encodeIco, trayIconPng } from './icon-art.js';
import type { TrayIcon } from './tray-state.js';

const TRAY_STATES: readonly TrayIcon[] = ['ok', 'failed', 'held', 'running', 'idle', 'offline'];

export function writeIcons(buildDir: string): string[] {
  const written: string[] = [];
  const write = (path: string, data: Buffer): void => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, data);
    written.push(path);
  };
  write(join(buildDir, 'icon.png'), appIconPng(512));
  write(join(buildDir, 'icon.ico'), encodeIco([16, 24, 32, 48, 64, 128, 256].map((size) => ({ size, png: appIconPng(size) }))));
  for (const state of TRAY_STATES) {
    write(join(buildDir, 'tray', `${state}.png`), trayIconPng(state, 16));
    write(join(buildDir, 'tray', `${state}@2x.png`), trayIconPng(state, 32));
  }
  return written;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // dist/electron/make-icons.js → <repo>/build
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  for (const f of writeIcons(join(root, 'build'))) process.stdout.write(`${f}\n`);
}
