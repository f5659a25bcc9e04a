/**
 * Who may talk to main: only frames showing the app's own pages (app://rostersync/…). Every IPC
 * message's sender frame URL is checked, and navigation anywhere else is refused. Pure.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'rostersync';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_START_URL = `${APP_ORIGIN}/index.html`;

function parse(url: string | undefined | null): URL | undefined {
  if (!url) return undefined;
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/** True for a page of the app itself (custom scheme and host; Node's URL gives no origin for custom schemes). */
export function isAppUrl(url: string | undefined | null): boolean {
  const u = parse(url);
  return u !== undefined && u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && u.username === '' && u.password === '';
}

/** The IPC sender check: the frame that sent the message must show an app page. */
export function isTrustedSender(frameUrl: string | undefined | null): boolean {
  return isAppUrl(frameUrl);
}

/** In-app navigation is allowed (client-side routes); everything else is blocked. */
export function mayNavigate(url: string): boolean {
  return isAppUrl(url);
}

/** Links to the web open in the system browser, never in the app: only http(s). */
export function isExternalLink(url: string): boolean {
  const u = parse(url);
  return u !== undefined && (u.protocol === 'https:' || u.protocol === 'http:');
}
