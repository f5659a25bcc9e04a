/**
 * Entry point. Picks the Api and the live feed once: the preload bridge (window.api,
 * window.liveEvents) inside Electron, otherwise the fetch client and EventSource against the agent
 * that served this page.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createBrowserApi } from '../../src/shared/api-client.js';
import { pickLiveFeed } from './api/live.js';
import type { Api } from './api/types.js';
import { App } from './app.js';
import './styles.css';

function pickApi(): Api {
  if (window.api) return window.api;
  return createBrowserApi(window);
}

const root = document.getElementById('root');
if (!root) throw new Error('index.html must contain <div id="root">.');
createRoot(root).render(
  <StrictMode>
    <App api={pickApi()} live={pickLiveFeed(window)} />
  </StrictMode>,
);
