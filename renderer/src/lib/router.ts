/** Hash routing: works the same from file:// in Electron and over HTTP. */
import { useEffect, useState } from 'react';
import { href, parseRoute, type Route, type Screen } from './routes.js';

export { href, parseRoute, SCREENS, type Route, type Screen } from './routes.js';

export function navigate(screen: Screen, ...params: (string | number)[]): void {
  window.location.hash = href(screen, ...params);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = (): void => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
