/**
 * Configuration problems as data: each names the path of the value (`destinations[0].settings.port`)
 * and says what was expected and what was given. Every door into the configuration (config import,
 * the local API, the store's save) reports the same `ConfigError`, so the admin reads the same
 * message whichever way the value came in. Pure: the renderer shows these messages too.
 */
import type { z } from 'zod';

export type ConfigPath = readonly (string | number)[];

export interface ConfigIssue {
  readonly path: ConfigPath;
  readonly message: string;
}

/** `destinations[0].settings.port` */
export function pathText(path: ConfigPath): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

export function issueText(issue: ConfigIssue): string {
  return issue.path.length ? `${pathText(issue.path)}: ${issue.message}` : issue.message;
}

/** A value as the admin wrote it: strings quoted (so `"5432"` shows it was text), long values cut. */
export function shownValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number') return String(value);
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

/** A configuration refused at one of its doors; `issues` lists every problem found, each with its path. */
export class ConfigError extends Error {
  constructor(
    readonly issues: readonly ConfigIssue[],
    /** Where the configuration came from (a file name), put before every message. */
    readonly where?: string,
  ) {
    super(`${where ? `${where}: ` : ''}${issues.map(issueText).join('; ')}`);
    this.name = 'ConfigError';
  }

  /** The same problems under a parent path: `settings.port` inside `destinations[0]` → `destinations[0].settings.port`. */
  at(...parent: ConfigPath): ConfigError {
    return new ConfigError(
      this.issues.map((i) => ({ path: [...parent, ...i.path], message: i.message })),
      this.where,
    );
  }
}

const NUMBER_TYPES = new Set(['number', 'int', 'bigint']);

const withValue = (message: string, got: string): string => (/\bgot\b/.test(message) ? message : `${message}${got}`);

/** Fields whose value is never repeated in a message. */
const SECRET_PATH = /secret|password|passphrase|privateKey/i;

/** Zod's issue in the words of a configuration problem, with the value that was given (needs `reportInput: true`) unless it may be a secret. */
function issueMessage(issue: z.core.$ZodIssue): string {
  const secret = issue.path.some((p) => typeof p === 'string' && SECRET_PATH.test(p));
  const got = 'input' in issue && !secret ? `, got ${shownValue(issue.input)}` : '';
  switch (issue.code) {
    case 'invalid_type': {
      // Messages set by the schema itself (ports, durations) say what was expected; the value is added unless they show it.
      if (!/^Invalid input/.test(issue.message)) return withValue(issue.message, got);
      const hint = NUMBER_TYPES.has(issue.expected) && typeof issue.input === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(issue.input) ? ' (write the number without quotes)' : '';
      const expected = issue.expected === 'int' ? 'a whole number' : `a ${issue.expected}`;
      return issue.input === undefined ? `required (${expected})` : `expected ${expected}${got}${hint}`;
    }
    case 'too_big':
    case 'too_small': {
      if (!/^Too (big|small)/.test(issue.message)) return withValue(issue.message, got);
      const bound = issue.code === 'too_big' ? issue.maximum : issue.minimum;
      const op = issue.code === 'too_big' ? (issue.inclusive ? '≤' : '<') : issue.inclusive ? '≥' : '>';
      const what = issue.origin === 'string' ? 'a length' : issue.origin === 'array' || issue.origin === 'set' ? 'a count' : 'a value';
      return `expected ${what} ${op} ${String(bound)}${got}`;
    }
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => shownValue(v)).join(', ')}${got}`;
    default:
      return `${issue.message}${issue.code === 'custom' || issue.code === 'invalid_format' ? '' : got}`;
  }
}

/**
 * Every zod issue as a configuration issue. An unknown key becomes its own issue at its own path
 * (`settings.hostname: unknown setting`), listing the keys the object knows when `knownKeys` can say.
 */
export function issuesFromZod(error: z.ZodError, knownKeys?: (path: ConfigPath) => readonly string[] | undefined): ConfigIssue[] {
  return error.issues.flatMap((issue): ConfigIssue[] => {
    const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys?.(path);
      const expected = known?.length ? `; expected one of ${known.join(', ')}` : '';
      return issue.keys.map((key) => ({ path: [...path, key], message: `unknown key${expected}` }));
    }
    return [{ path, message: issueMessage(issue) }];
  });
}
