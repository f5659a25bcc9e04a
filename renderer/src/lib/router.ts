/**
 * Hash routing: works the same from file:// in Electron and over HTTP.
 * Every way of leaving a page — a link, `navigate`, the browser's back button — passes the leave
 * check (lib/unsaved-changes.tsx installs it), so a form with unsaved edits can ask first.
 */
import { useEffect, useState } from 'react';
import { href, parseRoute, type Route, type Screen } from './routes.js';

export { href, parseRoute, SCREENS, type Route, type Screen } from './routes.js';

/**
 * Decides whether the page may be left now. `true`: go ahead. `false`: not now — the check keeps
 * `proceed` and calls it later if the user decides to leave after all.
 */
export type LeaveCheck = (proceed: () => void) => boolean;

let leaveCheck: LeaveCheck | null = null;
/** The hash this module itself is about to set: its hashchange has already passed the check. */
let allowedHash: string | null = null;
/** The hash of the page shown, to return to when leaving is refused. */
let shownHash = typeof window === 'undefined' ? '' : window.location.hash;

/** Installs the leave check; returns its removal. */
export function setLeaveCheck(check: LeaveCheck): () => void {
  leaveCheck = check;
  return () => {
    if (leaveCheck === check) leaveCheck = null;
  };
}

function mayLeave(proceed: () => void): boolean {
  return leaveCheck ? leaveCheck(proceed) : true;
}

/** Goes to `hash`, asking the leave check first unless `ask` is false. */
function go(hash: string, ask: boolean): void {
  if (hash === window.location.hash) return;
  if (ask && !mayLeave(() => go(hash, false))) return;
  allowedHash = hash;
  window.location.hash = hash;
}

/** Goes to a screen, asking first when the page has unsaved changes (a user's choice of where to go). */
export function navigate(screen: Screen, ...params: (string | number)[]): void {
  go(href(screen, ...params), true);
}

/** Goes to a screen without asking: after the page's edits were saved, or the item deleted. */
export function navigateAfterSave(screen: Screen, ...params: (string | number)[]): void {
  go(href(screen, ...params), false);
}

/** A plain left click on an in-app link (`#/…`) that would open in this window. */
function inAppLinkOf(e: MouseEvent): string | null {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return null;
  const anchor = e.target instanceof Element ? e.target.closest('a') : null;
  const hash = anchor?.getAttribute('href');
  if (!anchor || !hash?.startsWith('#/') || (anchor.target && anchor.target !== '_self')) return null;
  return hash;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    shownHash = window.location.hash;
    // Links ask before the hash changes, so a refused click leaves no history entry behind.
    const onClick = (e: MouseEvent): void => {
      const hash = inAppLinkOf(e);
      if (hash === null) return;
      e.preventDefault();
      go(hash, true);
    };
    // Back/forward and typed addresses change the hash first: a refusal puts the shown page's hash back.
    const onHashChange = (): void => {
      const hash = window.location.hash;
      const allowed = hash === allowedHash;
      allowedHash = null;
      if (!allowed && hash !== shownHash && !mayLeave(() => go(hash, false))) {
        window.history.replaceState(window.history.state, '', shownHash || window.location.pathname + window.location.search);
        return;
      }
      shownHash = hash;
      setRoute(parseRoute(hash));
    };
    document.addEventListener('click', onClick);
    window.addEventListener('hashchange', onHashChange);
    return () => {
      document.removeEventListener('click', onClick);
      window.removeEventListener('hashchange', onHashChange);
    };
  }, []);
  return route;
}
