/**
 * The ONE factory of BrowserWindow options: every window RosterSync opens is isolated and
 * sandboxed, with no Node in the page, web security on, no webviews, and only the preload bridge.
 * Pure (types from Electron only), so it is unit-tested without the Electron binary.
 */
import type { BrowserWindowConstructorOptions } from 'electron';
import { CONTENT_SECURITY_POLICY } from '../src/shared/content-security-policy.js';

export interface WindowOptionsInput {
  readonly preloadPath: string;
  readonly iconPath?: string;
  readonly title?: string;
}

export function secureWindowOptions(input: WindowOptionsInput): BrowserWindowConstructorOptions {
  return {
    width: 1200,
    height: 800,
    minWidth: 800,
    minHeight: 560,
    show: false,
    title: input.title ?? 'RosterSync',
    ...(input.iconPath ? { icon: input.iconPath } : {}),
    autoHideMenuBar: true,
    webPreferences: {
      preload: input.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      safeDialogs: true,
      experimentalFeatures: false,
      enableBlinkFeatures: '',
    },
  };
}

/** CSP of the app's pages (sent as a header by the app:// handler; the page's meta tag applies too). */
export const APP_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY;
