/**
 * Serves the built renderer (dist-renderer/) to the browser: files only from that folder, by a
 * resolved path that must stay inside it; unknown paths without an extension get index.html
 * (client-side routes). When the renderer is not built, a short page says how to build it.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { resolveStaticPath } from '../home/install.js';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>RosterSync</title></head>
<body><h1>RosterSync</h1><p>The agent's API is running, but the GUI is not built. Build it with <code>npm run build:renderer</code> and reload.</p></body></html>`;

export function serveStatic(root: string | undefined, urlPath: string, res: ServerResponse, headers: Readonly<Record<string, string>>): void {
  const send = (status: number, type: string, body: string): void => {
    res.writeHead(status, { ...headers, 'Content-Type': type, 'Cache-Control': 'no-store' });
    res.end(body);
  };
  if (!root || !existsSync(join(root, 'index.html'))) return send(200, TYPES['.html']!, NOT_BUILT);
  let path = resolveStaticPath(root, urlPath === '/' ? '/index.html' : urlPath);
  if (!path) return send(404, TYPES['.txt']!, 'Not found.');
  let stat = existsSync(path) ? statSync(path) : undefined;
  if (stat?.isDirectory()) {
    path = join(path, 'index.html');
    stat = existsSync(path) ? statSync(path) : undefined;
  }
  if (!stat) {
    if (extname(urlPath)) return send(404, TYPES['.txt']!, 'Not found.');
    path = join(root, 'index.html');
    stat = statSync(path);
  }
  const type = TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
  const immutable = /[/\\]assets[/\\]/.test(path) && !path.endsWith('.html');
  res.writeHead(200, {
    ...headers,
    'Content-Type': type,
    'Content-Length': String(stat.size),
    'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  createReadStream(path).pipe(res);
}
