/**
 * Rows left out of a delivery (onValidationError "skip-rows"): counted per file and rule with the
 * first examples, for the run message, the preview and the notification, and held against the
 * error budget (maxBadRowShare): more bad rows than that share of a file's rows blocks the run,
 * because a roster missing that much is itself wrong data.
 */
import type { Finding } from '../shared/run.js';

/** Examples kept per file. */
const EXAMPLES = 3;

interface FileLeftOut {
  rows: number;
  readonly byRule: Map<string, number>;
  /** The first findings that left a row out (completed with SIS origins at the end of the extract). */
  readonly examples: Finding[];
}

export class LeftOutRows {
  private readonly files = new Map<string, FileLeftOut>();

  /** A row left out, for its first error. */
  add(first: Finding): void {
    let entry = this.files.get(first.file);
    if (!entry) this.files.set(first.file, (entry = { rows: 0, byRule: new Map(), examples: [] }));
    entry.rows++;
    entry.byRule.set(first.rule, (entry.byRule.get(first.rule) ?? 0) + 1);
    if (entry.examples.length < EXAMPLES) entry.examples.push(first);
  }

  get total(): number {
    let n = 0;
    for (const f of this.files.values()) n += f.rows;
    return n;
  }

  count(file: string): number {
    return this.files.get(file)?.rows ?? 0;
  }

  /**
   * Files whose left-out rows are more than `maxShare` of the rows mapped for them (`mapped`: delivered
   * or left out), each as a sentence; empty when the budget holds.
   */
  overBudget(mapped: ReadonlyMap<string, number>, maxShare: number): string[] {
    const over: string[] = [];
    for (const [file, entry] of this.files) {
      const all = Math.max(mapped.get(file) ?? 0, entry.rows);
      if (entry.rows / all > maxShare) {
        over.push(`${file}: ${entry.rows} of ${all} rows (${percent(entry.rows / all)}) are bad, more than the error budget of ${percent(maxShare)} (maxBadRowShare).`);
      }
    }
    return over;
  }

  /** "Left out 3 row(s): users.csv 1 (role 1); enrollments.csv 2 (left-out 2). users.csv row 4: …" */
  summary(): string {
    if (!this.files.size) return '';
    const counts = [...this.files].map(([file, e]) => `${file} ${e.rows} (${[...e.byRule].map(([rule, n]) => `${rule} ${n}`).join(', ')})`);
    const examples = [...this.files].flatMap(([, e]) => e.examples.map((f) => `${f.file} (${f.origin ?? `row ${f.row}`}) ${f.column} "${f.value}": ${f.message}`));
    return `Left out ${this.total} row(s): ${counts.join('; ')}. First: ${examples.join(' ')}`;
  }
}

function percent(share: number): string {
  return `${(share * 100).toFixed(share < 0.1 ? 1 : 0)} %`;
}
