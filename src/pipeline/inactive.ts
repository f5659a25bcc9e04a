/**
 * One rule for inactive records per format (FormatDef.inactive), applied while rows are mapped:
 * - `mark`: inactive records are sent (the format's own column says so); they are only counted;
 * - `drop`: an inactive record is left out, and so is every row that references it (an enrollment, a
 *   guardian link, a class of an inactive teacher, then that class's enrollments), instead of failing
 *   the vendor's or our own reference check. Dropped keys are kept only for files other files refer to,
 *   and only the dropped ones (a few per cent of a district), never the rows.
 * The counts become the preview's lines ("students.csv: 12 inactive students dropped (…)").
 */
import type { Entity, FormatDef, InactiveRule } from '../shared/format.js';
import type { FieldGetter } from './plan.js';

/** The compiled test of one entity: is the current row inactive? */
export interface InactiveTest {
  readonly rule: 'mark' | 'drop';
  readonly field: string;
  isInactive(get: FieldGetter): boolean;
}

export function compileInactiveTest(rule: InactiveRule | undefined, entity: Entity): InactiveTest | undefined {
  const field = rule?.fields[entity];
  if (!rule || !field) return undefined;
  const active = new Set(rule.activeValues.map((v) => v.trim().toLowerCase()));
  return {
    rule: rule.rule,
    field,
    isInactive: (get) => {
      const value = (get(field) ?? '').trim().toLowerCase();
      return value !== '' && !active.has(value);
    },
  };
}

interface FileCounts {
  inactive: Map<Entity, number>;
  dependants: number;
  via: Set<string>;
}

export class InactiveRecords {
  private readonly dropped = new Map<string, Set<string>>();
  private readonly counts = new Map<string, FileCounts>();

  /** `referenced`: the files some reference points at (only their dropped keys are needed later). */
  constructor(
    private readonly format: FormatDef,
    private readonly referenced: ReadonlySet<string>,
  ) {}

  private countsOf(file: string): FileCounts {
    let c = this.counts.get(file);
    if (!c) this.counts.set(file, (c = { inactive: new Map(), dependants: 0, via: new Set() }));
    return c;
  }

  private remember(file: string, key: string): void {
    if (!key || !this.referenced.has(file)) return;
    let keys = this.dropped.get(file);
    if (!keys) this.dropped.set(file, (keys = new Set()));
    keys.add(key);
  }

  /** An inactive record of `entity` in `file`: counted, and (drop) its key remembered. */
  inactive(file: string, entity: Entity, key: string, rule: 'mark' | 'drop'): void {
    const c = this.countsOf(file).inactive;
    c.set(entity, (c.get(entity) ?? 0) + 1);
    if (rule === 'drop') this.remember(file, key);
  }

  /** Whether `key` of `file` was dropped as (or because of) an inactive record. */
  isDropped(file: string, key: string): boolean {
    return this.dropped.get(file)?.has(key) ?? false;
  }

  /** Whether any key of `file` was dropped (skips the per-row look-ups while nothing was). */
  anyDropped(file: string): boolean {
    return (this.dropped.get(file)?.size ?? 0) > 0;
  }

  /** A row left out because it references a dropped record of `target`. */
  dependant(file: string, key: string, target: string): void {
    const c = this.countsOf(file);
    c.dependants++;
    c.via.add(target);
    this.remember(file, key);
  }

  /** The preview's lines for one file, empty when it had no inactive records. */
  lines(file: string): string[] {
    const c = this.counts.get(file);
    const rule = this.format.inactive;
    if (!c || !rule) return [];
    const out: string[] = [];
    for (const [entity, n] of c.inactive) {
      out.push(`${file}: inactive ${entity}: ${n} ${rule.rule === 'drop' ? 'dropped' : 'sent marked'} (${this.format.displayName}: ${rule.how}).`);
    }
    if (c.dependants) {
      out.push(`${file}: ${c.dependants} row(s) dropped because they reference inactive records left out of ${[...c.via].sort().join(', ')}.`);
    }
    return out;
  }
}
