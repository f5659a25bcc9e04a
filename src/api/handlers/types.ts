/** A handler per contract call: validated input in, the call's output type out. */
import type { ApiCallName, ApiOutput, ApiParsedInput } from '../../shared/api.contract.js';
import type { ApiServices } from '../services.js';

export type Handler<K extends ApiCallName> = (input: ApiParsedInput<K>, services: ApiServices) => Promise<ApiOutput<K>> | ApiOutput<K>;

export type Handlers = { readonly [K in ApiCallName]: Handler<K> };

export type HandlerGroup<K extends ApiCallName> = { readonly [P in K]: Handler<P> };
