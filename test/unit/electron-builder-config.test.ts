/**
 * electron-builder.yml is validated against electron-builder's own schema (no Electron download,
 * no packaging: that cannot run here) and keeps the installer choices the districts need.
 */
import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

const require = createRequire(import.meta.url);

describe('electron-builder.yml', () => {
  it('passes electron-builder’s configuration schema', async () => {
    const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
      getConfig(dir: string, path: string | null, options: null): Promise<Record<string, unknown>>;
      validateConfiguration(config: unknown, logger: unknown): Promise<void>;
    };
    const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
    const config = await getConfig(process.cwd(), 'electron-builder.yml', null);
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
  });

  it('builds a per-machine NSIS installer with a choice of folder, deb and AppImage, and rebuilds native modules', () => {
    interface BuilderYml {
      productName: string;
      nsis: Record<string, unknown>;
      win: { target: { target: string }[] };
      linux: { target: { target: string }[] };
      npmRebuild: boolean;
      asarUnpack: string[];
      files: string[];
    }
    const config = parse(readFileSync('electron-builder.yml', 'utf8')) as BuilderYml;
    expect(config.productName).toBe('RosterSync');
    expect(config.nsis).toMatchObject({ oneClick: false, perMachine: true, allowToChangeInstallationDirectory: true });
    expect(config.win.target.map((t) => t.target)).toEqual(['nsis']);
    expect(config.linux.target.map((t) => t.target)).toEqual(['deb', 'AppImage']);
    expect(config.npmRebuild).toBe(true);
    expect(config.asarUnpack).toContain('**/node_modules/better-sqlite3/**');
    const main = (JSON.parse(readFileSync('package.json', 'utf8')) as { main: string }).main;
    expect(main).toBe('dist/electron/main.js');
    expect(config.files).toEqual(expect.arrayContaining(['dist/electron/**', 'dist/src/**', 'dist-renderer/**', 'bin/**', 'package.json']));
  });
});
