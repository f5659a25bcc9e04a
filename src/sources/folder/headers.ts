/**
 * Header normalisation: `\uFEFF Student ID ` → `student_id`, `FirstName` → `first_name`,
 * then matched to the names RosterSync expects for the entity (so `StudentID`, `Student-Id`
 * and `STUDENT_ID` all become `student_id`).
 */

/** BOM, stray spaces and case removed; words joined by `_`. */
export function normaliseHeader(raw: string): string {
  return raw
    .replace(/^\uFEFF/, '')
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

const compact = (name: string): string => name.replace(/_/g, '');

/**
 * Maps each raw header to its field name: an expected name when the normalised or the
 * underscore-free form matches one, else the normalised header. Empty headers become
 * `column_N`; repeated names get `_2`, `_3`….
 */
export function matchHeaders(raw: readonly string[], expected: readonly string[] = []): string[] {
  const byCompact = new Map<string, string>();
  for (const name of expected) byCompact.set(compact(normaliseHeader(name)), name);
  const used = new Map<string, number>();
  return raw.map((header, index) => {
    const normal = normaliseHeader(header);
    let name = normal === '' ? `column_${index + 1}` : (expected.find((e) => e === normal) ?? byCompact.get(compact(normal)) ?? normal);
    const seen = used.get(name) ?? 0;
    used.set(name, seen + 1);
    if (seen > 0) name = `${name}_${seen + 1}`;
    return name;
  });
}
