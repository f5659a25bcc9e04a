/** Pure checks of a site-ID map before it is saved. */
import type { SiteMapEntry } from '../../../src/shared/config.schema.js';

/** Empty IDs and duplicate codes, as sentences. */
export function findProblems(rows: readonly SiteMapEntry[]): string[] {
  const problems: string[] = [];
  const seen = new Map<string, number>();
  rows.forEach((r, i) => {
    const code = r.schoolCode.trim();
    if (!code) problems.push(`Row ${i + 1}: the school code is empty.`);
    else if (!r.siteId.trim()) problems.push(`Row ${i + 1} (${code}): the site ID is empty.`);
    if (code) {
      const first = seen.get(code);
      if (first !== undefined) problems.push(`Rows ${first + 1} and ${i + 1}: school code ${code} appears twice.`);
      else seen.set(code, i);
    }
  });
  return problems;
}
