/**
 * The renderer reaches the agent only through the typed `Api` (window.api in Electron, the fetch
 * client in a browser); screens get it from this context.
 */
import { createContext, useContext, type ReactNode } from 'react';
import type { Api } from '../api/types.js';

const ApiContext = createContext<Api | null>(null);

export function ApiProvider(props: { readonly api: Api; readonly children: ReactNode }): ReactNode {
  return <ApiContext.Provider value={props.api}>{props.children}</ApiContext.Provider>;
}

export function useApi(): Api {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi() outside <ApiProvider>: the app root must provide the Api.');
  return api;
}
