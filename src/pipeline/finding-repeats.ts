/**
 * The same unknown value on thousands of rows (a race "White, Non-Hispanic" the map does not know, on
 * every student) is one problem, not thousands: the first few rows are kept as findings with their row
 * and SIS origin, the rest are only counted, and at the end one summary finding per value says how many
 * rows carry it. Applies to value-recognition rules only; every other finding stays one per row.
 */
import type { Finding } from '../shared/run.js';

/**
 * Rules whose findings are about a value, not about a row: repeats of one value are aggregated. A gender
 * word nobody recognises is about the value too; a known gender the format has no word for (sent blank,
 * OneRoster 1.1) is about a student, and each stays named.
 */
const VALUE_RULES: ReadonlySet<string> = new Set(['map', 'race', 'grade', 'bool']);
const aggregated = (f: Finding): boolean => VALUE_RULES.has(f.rule) || (f.rule === 'gender' && f.severity === 'error');

/** Rows listed individually per value before the rest are only counted. */
export const SAMPLES_PER_VALUE = 3;

interface Repeat {
  readonly first: Finding;
  count: number;
  readonly origins: string[];
}

export class RepeatedFindings {
  private readonly repeats = new Map<string, Repeat>();

  /** Whether to keep `f` as its own finding (false: it is only counted into its value's summary). */
  admit(f: Finding): boolean {
    if (!aggregated(f)) return true;
    const key = `${f.file}\u001f${f.column}\u001f${f.rule}\u001f${f.severity}\u001f${f.value}`;
    const repeat = this.repeats.get(key);
    if (!repeat) {
      this.repeats.set(key, { first: f, count: 1, origins: f.origin ? [f.origin] : [] });
      return true;
    }
    repeat.count++;
    if (repeat.count > SAMPLES_PER_VALUE) return false;
    if (f.origin) repeat.origins.push(f.origin);
    return true;
  }

  /** One finding per value seen on more rows than were listed: the count and the sample origins. */
  summaries(): Finding[] {
    const out: Finding[] = [];
    for (const { first, count, origins } of this.repeats.values()) {
      if (count <= SAMPLES_PER_VALUE) continue;
      out.push({
        severity: first.severity,
        file: first.file,
        row: 0,
        column: first.column,
        value: first.value,
        rule: first.rule,
        message: `${count} rows have this value (the first ${SAMPLES_PER_VALUE} are listed separately): ${first.message}`,
        origin: origins.length ? `e.g. ${origins.join('; ')}` : undefined,
      });
    }
    return out;
  }
}
