/** Configuration problems as answers: a ConfigError from the configuration door becomes a 400 naming the field in the request. */
import { ConfigError, type ConfigPath } from '../../shared/config-issues.js';
import { badRequest } from '../services.js';

/** Runs a check or a save; a ConfigError becomes a 400 with its paths under `parent` (`config.settings.port: …`). */
export function asBadRequest<T>(work: () => T, ...parent: ConfigPath): T {
  try {
    return work();
  } catch (err) {
    if (err instanceof ConfigError) throw badRequest(err.at(...parent).message);
    throw err;
  }
}
