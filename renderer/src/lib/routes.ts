/**
 * Routes of the GUI as hash paths (`#/history/12`). Pure: parsing and building only.
 * A hash that does not start with `#/` (such as the `#key=…` of the login URL) is not a route.
 */
export const SCREENS = ['dashboard', 'sources', 'destinations', 'mapping', 'sitemap', 'history', 'audit', 'settings'] as const;
export type Screen = (typeof SCREENS)[number];

export interface Route {
  readonly screen: Screen;
  /** Path segments after the screen (`['12']` for `#/history/12`), URI-decoded. */
  readonly params: readonly string[];
}

export function parseRoute(hash: string): Route {
  if (!hash.startsWith('#/')) return { screen: 'dashboard', params: [] };
  const [screen, ...rest] = hash.slice(2).split('/');
  const known = (SCREENS as readonly string[]).includes(screen ?? '') ? (screen as Screen) : 'dashboard';
  return { screen: known, params: rest.filter(Boolean).map((p) => decodeURIComponent(p)) };
}

export function href(screen: Screen, ...params: (string | number)[]): string {
  return `#/${[screen, ...params.map((p) => encodeURIComponent(String(p)))].join('/')}`;
}
