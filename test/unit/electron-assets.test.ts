/**
 * Generated icons (valid PNG/ICO, the right colours) and the preload bundle: one CommonJS file
 * that needs nothing but require('electron') (a sandboxed preload can load nothing else) and
 * exposes every API call as window.api through the one IPC channel.
 */
import { describe, expect, it } from 'vitest';
import { inflateSync, crc32 as zlibCrc32 } from 'node:zlib';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { build } from 'vite';
import { appIconPng, crc32, encodeIco, STATE_COLORS, trayIconPng } from '../../electron/icon-art.js';
import { API_CALL_NAMES } from '../../src/shared/api.contract.js';

/** Decodes our own PNGs (8-bit RGBA, filter 0) back to pixels. */
function decodePng(png: Buffer): { width: number; height: number; pixel(x: number, y: number): number[] } {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  let offset = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.subarray(offset + 4, offset + 8).toString('latin1');
    const data = png.subarray(offset + 8, offset + 8 + length);
    expect(png.readUInt32BE(offset + 8 + length)).toBe(zlibCrc32(png.subarray(offset + 4, offset + 8 + length)));
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect([data[8], data[9]]).toEqual([8, 6]);
    }
    if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  return { width, height, pixel: (x, y) => [...raw.subarray(y * (width * 4 + 1) + 1 + x * 4, y * (width * 4 + 1) + 1 + x * 4 + 4)] };
}

describe('icons', () => {
  it('computes the PNG checksum like zlib', () => {
    for (const text of ['', 'IEND', 'RosterSync']) expect(crc32(Buffer.from(text))).toBe(zlibCrc32(Buffer.from(text)));
  });

  it('draws each tray state in its colour with a transparent corner', () => {
    for (const state of ['ok', 'failed', 'held', 'running', 'idle'] as const) {
      const png = decodePng(trayIconPng(state, 32));
      expect([png.width, png.height]).toEqual([32, 32]);
      expect(png.pixel(0, 0)[3]).toBe(0);
      // a point inside the disc but off the glyph
      expect(png.pixel(16, 3)).toEqual([...STATE_COLORS[state]]);
    }
    const offline = decodePng(trayIconPng('offline', 32));
    expect(offline.pixel(16, 16)[3]).toBe(0);
  });

  it('packs the app icon sizes into an ICO', () => {
    const sizes = [16, 32, 256];
    const ico = encodeIco(sizes.map((size) => ({ size, png: appIconPng(size) })));
    expect(ico.readUInt16LE(2)).toBe(1);
    expect(ico.readUInt16LE(4)).toBe(3);
    sizes.forEach((size, i) => {
      const entry = ico.subarray(6 + 16 * i, 22 + 16 * i);
      expect(entry[0]).toBe(size === 256 ? 0 : size);
      const png = ico.subarray(entry.readUInt32LE(12), entry.readUInt32LE(12) + entry.readUInt32LE(8));
      expect(decodePng(png).width).toBe(size);
    });
  });

  it('matches the committed build/ icons', () => {
    expect(readFileSync('build/icon.png').equals(appIconPng(512))).toBe(true);
    expect(readFileSync('build/tray/held@2x.png').equals(trayIconPng('held', 32))).toBe(true);
  });
});

describe('preload bundle', () => {
  it('is one CommonJS file that requires only electron and exposes window.api over one channel, and the run events as window.liveEvents', async () => {
    const out = mkdtempSync(join(tmpdir(), 'rs-preload-'));
    try {
      await build({ configFile: 'electron/vite.preload.config.ts', logLevel: 'silent', build: { outDir: out } });
      const code = readFileSync(join(out, 'preload.cjs'), 'utf8');
      expect(code).not.toMatch(/^\s*import\s/m);
      const required = new Set([...code.matchAll(/require\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]));
      expect([...required]).toEqual(['electron']);

      const exposed: Record<string, unknown> = {};
      const sent: { channel: string; request: unknown }[] = [];
      const pushed = new Map<string, (event: unknown, message: unknown) => void>();
      const electron = {
        contextBridge: { exposeInMainWorld: (key: string, value: unknown) => (exposed[key] = value) },
        ipcRenderer: {
          on: (channel: string, listener: (event: unknown, message: unknown) => void) => void pushed.set(channel, listener),
          removeListener: (channel: string) => void pushed.delete(channel),
          invoke: async (channel: string, request: { name: string }) => {
            if (channel === 'rostersync:live-state') return 'live';
            sent.push({ channel, request });
            return request.name === 'getSource' ? { ok: false, error: { code: 'not-found', message: 'No source named "x".' } } : { ok: true, value: { called: request.name } };
          },
        },
      };
      runInNewContext(code, { require: (id: string) => (id === 'electron' ? electron : undefined), exports: {}, module: { exports: {} } });
      const api = exposed.api as Record<string, (input?: unknown) => Promise<unknown>>;
      expect(Object.keys(api).sort()).toEqual(API_CALL_NAMES);
      expect(Object.isFrozen(api)).toBe(true);
      expect(await api.getDashboard!({})).toEqual({ called: 'getDashboard' });
      await expect(api.getSource!({ name: 'x' })).rejects.toThrow('No source named "x".');
      expect(sent).toEqual([
        { channel: 'rostersync:api', request: { name: 'getDashboard', input: {} } },
        { channel: 'rostersync:api', request: { name: 'getSource', input: { name: 'x' } } },
      ]);
      expect(Object.keys(exposed)).toEqual(['api', 'liveEvents']);

      // Run events main pushes on the live channel reach the subscriber, with the stream's state.
      const live = exposed.liveEvents as { subscribe(onEvent: (e: unknown) => void, onState: (s: string) => void): () => void };
      const events: unknown[] = [];
      const states: string[] = [];
      const unsubscribe = live.subscribe((e) => events.push(e), (st) => states.push(st));
      await new Promise((resolve) => setImmediate(resolve));
      expect(states).toEqual(['live']);
      const started = { type: 'run-started', runId: 3, destination: 'vendor', trigger: 'schedule', dryRun: false, at: '2026-12-02T09:00:00Z' };
      pushed.get('rostersync:live')!({}, { kind: 'event', event: started });
      pushed.get('rostersync:live')!({}, { kind: 'state', state: 'reconnecting' });
      expect(events).toEqual([started]);
      expect(states).toEqual(['live', 'reconnecting']);
      unsubscribe();
      expect(pushed.has('rostersync:live')).toBe(false);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
