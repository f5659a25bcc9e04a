/**
 * The agent's local HTTP API for GUI clients (tray app, browser) — node:http, no framework.
 *
 *   POST /api/<call>   JSON in, JSON out; `Authorization: Bearer <key>`; input validated with the
 *                      contract's zod schema (400 names the field); errors `{ error: { code, message } }`.
 *   GET  /…            the built renderer (dist-renderer/), with a strict CSP.
 *
 * Listens on 127.0.0.1 only. Every request must name the loopback origin in Host (and Origin,
 * when a browser sends one): a DNS-rebinding guard. The key lives in `<home>/api.key` (0600);
 * `<home>/api.json` tells other processes the port.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AgentContext } from '../home/context.js';
import { API, API_ERROR_STATUS, API_PATH_PREFIX, EVENTS_PATH, ApiError, isApiCallName, toApiErrorBody, type ApiCallName, type ApiErrorCode, type ApiErrorDetails } from '../shared/api.contract.js';
import { apiKeyFile, rotateApiKey } from '../home/api-key.js';
import { removeApiInfo, writeApiInfo } from '../home/api-info.js';
import { checkKey, checkOrigin, SECURITY_HEADERS } from './http-guard.js';
import { HANDLERS } from './handlers/index.js';
import { ConfigError, issuesFromZod } from '../shared/config-issues.js';
import { attachedAgent, attachedScheduler, inProcessRunLauncher, smtpNotifier, type AgentPort, type ApiServices, type NotifierPort, type RunLauncher, type SchedulerPort } from './services.js';
import { serveStatic } from './static-files.js';
import { subscribeLiveEvents, watchOtherProcessRuns } from '../agent/runner.js';

export interface ApiServerOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Only loopback is allowed; the option exists so callers state it. */
  readonly host?: '127.0.0.1';
  /** Built renderer to serve; none = API only (GET / explains). */
  readonly staticDir?: string;
  /** The agent's Scheduler; default: the attached port (pause setting; the schedule's next slot while an agent runs). */
  readonly scheduler?: SchedulerPort;
  /** Who schedules; default: the live holder of the data folder's agent lock, if any. */
  readonly agent?: AgentPort;
  /** Default: the SMTP mailer of src/notify/. */
  readonly notifier?: NotifierPort;
  /** Default: runs inside this process. */
  readonly runs?: RunLauncher;
  /** Write `<home>/api.json` (default true). */
  readonly advertise?: boolean;
  /** Unexpected errors (bugs) are reported here; the client gets a short message. */
  readonly onError?: (err: unknown) => void;
}

export interface ApiServer {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  /** The key now (a rotation through the API or by another process on this data folder changes it). */
  readonly key: string;
  /** The URL to open in a browser: the key in the fragment, which browsers never send to a server. */
  readonly loginUrl: string;
  close(): Promise<void>;
}

/** JSON bodies larger than this are refused (site-map imports are the largest: base64 of ≤10 MB). */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new ApiError('bad-request', `The request body is larger than ${Math.round(limit / 1048576)} MB.`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

function sendError(res: ServerResponse, code: ApiErrorCode, message: string, details?: ApiErrorDetails): void {
  sendJson(res, API_ERROR_STATUS[code], toApiErrorBody(code, message, details));
}

/** Validates and runs one call. Exported for in-process callers (tests, the Electron fallback). */
export async function dispatch(services: ApiServices, name: ApiCallName, body: unknown): Promise<unknown> {
  const parsed = API[name].input.safeParse(body ?? {}, { reportInput: true });
  if (!parsed.success) throw new ApiError('bad-request', `${name}: ${new ConfigError(issuesFromZod(parsed.error)).at('input').message}`);
  const handler = HANDLERS[name] as (input: unknown, services: ApiServices) => unknown;
  return await handler(parsed.data, services);
}

export async function startApiServer(ctx: AgentContext, options: ApiServerOptions = {}): Promise<ApiServer> {
  if (options.host !== undefined && options.host !== '127.0.0.1') throw new Error('The RosterSync API listens on 127.0.0.1 only.');
  const keys = apiKeyFile(ctx.layout.home);
  let port = 0;
  const loginUrl = (key: string): string => `http://127.0.0.1:${port}/#key=${encodeURIComponent(key)}`;
  const onError = options.onError ?? ((err: unknown) => process.stderr.write(`rostersync api: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`));
  const runs = options.runs ?? inProcessRunLauncher(ctx, onError);
  const services: ApiServices = {
    ctx,
    runs,
    scheduler: options.scheduler ?? attachedScheduler(ctx),
    agent: options.agent ?? attachedAgent(ctx),
    notifier: options.notifier ?? smtpNotifier(ctx),
    access: {
      rotateKey: () => {
        const key = rotateApiKey(ctx.layout.home);
        for (const stream of streams) stream.end();
        return { key, loginUrl: loginUrl(key) };
      },
    },
    startedAt: new Date().toISOString(),
  };
  /** Open /api/events streams, ended when the server closes. */
  const streams = new Set<ServerResponse>();
  let stopWatchingOthers: (() => void) | undefined;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const guard = checkOrigin(req.headers, port);
    if (guard) return sendError(res, guard.code, guard.message);
    const url = req.url ?? '/';
    const path = url.split('?')[0]!;

    if (!path.startsWith(API_PATH_PREFIX)) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 'bad-request', `${req.method} is not accepted here.`);
      return serveStatic(options.staticDir, path, res, SECURITY_HEADERS);
    }

    if (path === EVENTS_PATH && req.method === 'GET') {
      // EventSource cannot send headers: the key may come as ?key= (loopback only, never logged).
      const queryKey = new URL(url, 'http://127.0.0.1').searchParams.get('key');
      const denied = checkKey(queryKey ? { authorization: `Bearer ${queryKey}` } : req.headers, keys.current());
      if (denied) return sendError(res, denied.code, denied.message);
      res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
      res.write(': RosterSync run events\n\n');
      const unsubscribe = subscribeLiveEvents(ctx, (event) => res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`));
      // A stream opened with a key that was rotated since (here or by another process) ends: its client must sign in again.
      const streamKey = keys.current();
      const keepAlive = setInterval(() => (keys.current() === streamKey ? res.write(': keep-alive\n\n') : res.end()), 15_000);
      streams.add(res);
      // Runs of other processes on this data folder (a CLI run, the agent this process is attached to) while anyone listens.
      stopWatchingOthers ??= watchOtherProcessRuns(ctx);
      req.on('close', () => {
        clearInterval(keepAlive);
        unsubscribe();
        streams.delete(res);
        if (streams.size === 0) {
          stopWatchingOthers?.();
          stopWatchingOthers = undefined;
        }
      });
      return;
    }

    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      return sendError(res, 'bad-request', `API calls are POST requests; got ${req.method}.`);
    }
    const denied = checkKey(req.headers, keys.current());
    if (denied) return sendError(res, denied.code, denied.message);
    const name = path.slice(API_PATH_PREFIX.length);
    if (!isApiCallName(name)) return sendError(res, 'not-found', `There is no API call "${name}".`);
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') return sendError(res, 'bad-request', `Send the input as application/json; got "${type || 'no content type'}".`);

    let body: unknown;
    try {
      const raw = await readBody(req, MAX_BODY_BYTES);
      body = raw.length ? JSON.parse(raw.toString('utf8')) : {};
    } catch (err) {
      if (err instanceof ApiError) return sendError(res, err.code, err.message);
      return sendError(res, 'bad-request', `${name}: the body is not valid JSON.`);
    }
    try {
      sendJson(res, 200, (await dispatch(services, name, body)) ?? null);
    } catch (err) {
      if (err instanceof ApiError) return sendError(res, err.code, err.message, err.details);
      // A configuration refused by a save the handler did not expect to refuse: still the caller's mistake.
      if (err instanceof ConfigError) return sendError(res, 'bad-request', err.message);
      // Errors from the engine are written for administrators (what, where, what to do) and carry no secrets.
      if (!(err instanceof Error) || err instanceof TypeError || err instanceof ReferenceError) onError(err);
      sendError(res, 'failed', err instanceof Error ? err.message : String(err));
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      onError(err);
      if (!res.headersSent) sendError(res, 'failed', 'The agent could not answer this request.');
      else res.end();
    });
  });
  server.headersTimeout = 30_000;
  server.requestTimeout = 15 * 60_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const advertise = options.advertise ?? true;
  if (advertise) writeApiInfo(ctx.layout.home, { port, pid: process.pid, url, startedAt: services.startedAt });

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    get key() {
      return keys.current();
    },
    get loginUrl() {
      return loginUrl(keys.current());
    },
    close: () =>
      (closing ??= (async () => {
        if (advertise) removeApiInfo(ctx.layout.home);
        stopWatchingOthers?.();
        for (const stream of streams) stream.end();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        await runs.close();
      })()),
  };
}
