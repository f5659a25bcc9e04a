/**
 * RosterSync's icons, drawn in code (no binary assets to keep in sync): the app icon and one
 * tray icon per state, as PNG (and ICO for Windows). Shapes are sampled 4×4 per pixel for smooth
 * edges. Used at run time for the tray (nativeImage.createFromBuffer) and by make-icons.ts for
 * build/. Pure apart from node:zlib.
 */
import { deflateSync } from 'node:zlib';
import type { TrayIcon } from './tray-state.js';

type Rgba = readonly [number, number, number, number];
/** A shape: does the unit-square point (x, y) belong to it? */
type Shape = (x: number, y: number) => boolean;

const WHITE: Rgba = [255, 255, 255, 255];
export const STATE_COLORS: Readonly<Record<TrayIcon, Rgba>> = {
  ok: [46, 160, 67, 255],
  failed: [207, 34, 46, 255],
  held: [212, 140, 0, 255],
  running: [9, 105, 218, 255],
  idle: [110, 119, 129, 255],
  offline: [110, 119, 129, 255],
};
const APP_BLUE: Rgba = [9, 90, 180, 255];

const circle = (cx: number, cy: number, r: number): Shape => (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
const ring = (cx: number, cy: number, r: number, w: number): Shape => (x, y) => Math.abs(Math.hypot(x - cx, y - cy) - r) <= w / 2;
const rect = (x0: number, y0: number, x1: number, y1: number): Shape => (x, y) => x >= x0 && x <= x1 && y >= y0 && y <= y1;
function segment(ax: number, ay: number, bx: number, by: number, w: number): Shape {
  return (x, y) => {
    const dx = bx - ax;
    const dy = by - ay;
    const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
    return Math.hypot(x - (ax + t * dx), y - (ay + t * dy)) <= w / 2;
  };
}
function roundedSquare(inset: number, radius: number): Shape {
  return (x, y) => {
    const cx = Math.min(Math.max(x, inset + radius), 1 - inset - radius);
    const cy = Math.min(Math.max(y, inset + radius), 1 - inset - radius);
    return (x - cx) ** 2 + (y - cy) ** 2 <= radius * radius;
  };
}
const any =
  (...shapes: Shape[]): Shape =>
  (x, y) =>
    shapes.some((s) => s(x, y));

/** Layers painted in order; returns width×height RGBA. */
export function render(size: number, layers: readonly (readonly [Shape, Rgba])[]): Buffer {
  const out = Buffer.alloc(size * size * 4);
  const n = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const x = (px + (sx + 0.5) / n) / size;
          const y = (py + (sy + 0.5) / n) / size;
          let color: Rgba | undefined;
          for (const [shape, c] of layers) if (shape(x, y)) color = c;
          if (color) {
            r += color[0];
            g += color[1];
            b += color[2];
            a += color[3];
          }
        }
      }
      const samples = n * n;
      const i = (py * size + px) * 4;
      const alpha = a / samples;
      // colours are averaged over covered samples only (no dark fringe), alpha over all
      const covered = alpha > 0 ? a / 255 : 1;
      out[i] = Math.round(r / covered);
      out[i + 1] = Math.round(g / covered);
      out[i + 2] = Math.round(b / covered);
      out[i + 3] = Math.round(alpha);
    }
  }
  return out;
}

/** The glyph inside a tray icon for each state. */
function glyph(state: TrayIcon): Shape {
  switch (state) {
    case 'ok':
      return any(segment(0.28, 0.52, 0.44, 0.68, 0.12), segment(0.44, 0.68, 0.73, 0.35, 0.12));
    case 'failed':
      return any(segment(0.32, 0.32, 0.68, 0.68, 0.12), segment(0.68, 0.32, 0.32, 0.68, 0.12));
    case 'held':
      return any(rect(0.33, 0.29, 0.45, 0.71), rect(0.55, 0.29, 0.67, 0.71));
    case 'running':
      return any(ring(0.5, 0.5, 0.2, 0.1), circle(0.5, 0.5, 0.06));
    case 'idle':
      return rect(0.3, 0.45, 0.7, 0.55);
    case 'offline':
      return () => false;
    default: {
      const unknown: never = state;
      return unknown;
    }
  }
}

export function trayIconRgba(state: TrayIcon, size: number): Buffer {
  const body: Shape = state === 'offline' ? ring(0.5, 0.5, 0.4, 0.12) : circle(0.5, 0.5, 0.46);
  return render(size, [
    [body, STATE_COLORS[state]],
    [glyph(state), WHITE],
  ]);
}

/** The app icon: a blue rounded square with a white roster (three lines) and a green check. */
export function appIconRgba(size: number): Buffer {
  return render(size, [
    [roundedSquare(0.04, 0.18), APP_BLUE],
    [any(rect(0.22, 0.27, 0.7, 0.35), rect(0.22, 0.46, 0.7, 0.54), rect(0.22, 0.65, 0.5, 0.73)), WHITE],
    [circle(0.7, 0.69, 0.17), STATE_COLORS.ok],
    [any(segment(0.61, 0.7, 0.67, 0.76, 0.055), segment(0.67, 0.76, 0.79, 0.63, 0.055)), WHITE],
  ]);
}

// ---- PNG and ICO encoders ---------------------------------------------------------------

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(data: Buffer): number {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** RGBA (8 bits per channel) → PNG. */
export function encodePng(width: number, height: number, rgba: Buffer): Buffer {
  if (rgba.length !== width * height * 4) throw new Error(`encodePng: expected ${width * height * 4} bytes of RGBA, got ${rgba.length}.`);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // colour type RGBA
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0; // filter: none
    rgba.copy(raw, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** PNG-compressed ICO (Windows Vista and later) holding each size. */
export function encodeIco(images: readonly { readonly size: number; readonly png: Buffer }[]): Buffer {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2); // icon
  header.writeUInt16LE(images.length, 4);
  const entries: Buffer[] = [];
  let offset = 6 + 16 * images.length;
  for (const { size, png } of images) {
    const e = Buffer.alloc(16);
    e[0] = size >= 256 ? 0 : size;
    e[1] = size >= 256 ? 0 : size;
    e.writeUInt16LE(1, 4); // planes
    e.writeUInt16LE(32, 6); // bits per pixel
    e.writeUInt32LE(png.length, 8);
    e.writeUInt32LE(offset, 12);
    offset += png.length;
    entries.push(e);
  }
  return Buffer.concat([header, ...entries, ...images.map((i) => i.png)]);
}

export const trayIconPng = (state: TrayIcon, size: number): Buffer => encodePng(size, size, trayIconRgba(state, size));
export const appIconPng = (size: number): Buffer => encodePng(size, size, appIconRgba(size));
