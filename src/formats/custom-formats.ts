/**
 * Custom formats beside the built-in ones: a definition is checked by the format schema
 * (src/shared/format.schema.ts) and must not take a built-in format's id.
 */
import type { FormatDef } from '../shared/format.js';
import { FormatDefinitionError, parseFormatDef } from '../shared/format.schema.js';
import { BUILT_IN_FORMATS, getFormat } from './registry.js';

/**
 * A custom format as an admin supplies it: a valid definition whose id is not a built-in one.
 * `where` prefixes every message (e.g. "customFormats[2]" or a file name; empty: none).
 */
export function parseCustomFormat(raw: unknown, where = 'format'): FormatDef {
  const format = parseFormatDef(raw, where);
  if (BUILT_IN_FORMATS.some((b) => b.id === format.id)) {
    throw new FormatDefinitionError(`${where ? `${where}: ` : ''}id: "${format.id}" is a built-in format; give the custom format its own id (e.g. "${format.id}-custom").`);
  }
  return format;
}

/** Stored custom formats (raw JSON), validated one by one: the good ones, and why the others were refused. */
export function loadCustomFormats(raw: readonly unknown[]): { formats: FormatDef[]; invalid: { id: string; message: string }[] } {
  const formats: FormatDef[] = [];
  const invalid: { id: string; message: string }[] = [];
  for (const item of raw) {
    const id = typeof (item as { id?: unknown } | null)?.id === 'string' ? (item as { id: string }).id : '?';
    try {
      formats.push(parseCustomFormat(item, `custom format "${id}"`));
    } catch (err) {
      invalid.push({ id, message: (err as Error).message });
    }
  }
  return { formats, invalid };
}

/** The format a destination names: built-in, or a stored custom one validated now (an invalid one is refused with its problems). */
export function resolveFormat(id: string, rawCustom: readonly unknown[]): FormatDef {
  const builtIn = BUILT_IN_FORMATS.find((f) => f.id === id);
  if (builtIn) return builtIn;
  const { formats, invalid } = loadCustomFormats(rawCustom);
  const bad = invalid.find((i) => i.id === id);
  if (bad) throw new FormatDefinitionError(`${bad.message} Fix it and import it again (rostersync format import FILE).`);
  return getFormat(id, formats);
}
