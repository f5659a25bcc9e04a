/**
 * Whether a form's value still equals what was loaded or saved. Pure.
 * Key order does not matter, and an empty text or an absent property is the same as one left out,
 * so typing into a field and deleting the text again leaves the form unchanged.
 */
export function sameFormValue(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  return JSON.stringify(normalize(value)) ?? 'undefined';
}

function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalize);
  if (value instanceof Set) return [...value].map(normalize).sort();
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v === undefined || v === '') continue;
      out[key] = normalize(v);
    }
    return out;
  }
  return value;
}
