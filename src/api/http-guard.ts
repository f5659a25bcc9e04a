/**
 * Request checks of the loopback API, as pure functions of the request headers: the Host and
 * Origin must name the loopback origin the server listens on (a DNS-rebinding guard: a web page
 * on another site that resolves its name to 127.0.0.1 still sends its own Host), and API calls
 * carry the key as a bearer token.
 */
import { keyMatches } from '../home/api-key.js';
import { CONTENT_SECURITY_POLICY } from '../shared/content-security-policy.js';

export type HeaderBag = Readonly<Record<string, string | string[] | undefined>>;

export interface GuardFailure {
  readonly code: 'forbidden' | 'unauthorized';
  readonly message: string;
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost'] as const;

const first = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

/** The Host values the server answers to. */
export function allowedHosts(port: number): readonly string[] {
  return LOOPBACK_NAMES.map((name) => `${name}:${port}`);
}

/** The Origin values accepted from a browser (the GUI served by this server). */
export function allowedOrigins(port: number): readonly string[] {
  return allowedHosts(port).map((host) => `http://${host}`);
}

/** Host/Origin/Fetch-Site checks; undefined when the request may proceed. */
export function checkOrigin(headers: HeaderBag, port: number): GuardFailure | undefined {
  const host = first(headers.host)?.toLowerCase();
  if (!host || !allowedHosts(port).includes(host)) {
    return { code: 'forbidden', message: `Requests must be addressed to 127.0.0.1:${port}; got Host "${host ?? ''}".` };
  }
  const origin = first(headers.origin);
  if (origin !== undefined && !allowedOrigins(port).includes(origin.toLowerCase())) {
    return { code: 'forbidden', message: `Requests from ${origin} are not accepted: only the RosterSync GUI at http://127.0.0.1:${port} may call this API.` };
  }
  const site = first(headers['sec-fetch-site']);
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return { code: 'forbidden', message: `Cross-site requests (${site}) are not accepted.` };
  }
  return undefined;
}

/** The bearer token of an Authorization header, or undefined. */
export function bearerToken(headers: HeaderBag): string | undefined {
  const value = first(headers.authorization);
  const match = value ? /^Bearer\s+(\S+)\s*$/i.exec(value) : null;
  return match?.[1];
}

export function checkKey(headers: HeaderBag, key: string): GuardFailure | undefined {
  const token = bearerToken(headers);
  if (!token) return { code: 'unauthorized', message: 'The API key is missing: send it as "Authorization: Bearer <key>" (open the login link printed by `rostersync ui`).' };
  if (!keyMatches(token, key)) return { code: 'unauthorized', message: 'The API key is wrong: open the login link printed by `rostersync ui` again.' };
  return undefined;
}

/** Headers on every answer. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), usb=(), serial=(), hid=()',
};
