/**
 * What a run reports besides its files: findings (counted, the first FINDINGS_KEPT kept, values
 * clipped, repeats summarised, SIS origins filled in at the end of the extract), its event log lines,
 * and the failure that stops it at a stage.
 */
import type { Finding } from '../shared/run.js';
import type { SourceDataError } from '../sources/types.js';
import { RepeatedFindings } from './finding-repeats.js';

/** A line for the run's event log (and the live progress of the console or GUI). */
export type RunLog = (level: 'info' | 'warn' | 'error', stage: string, message: string) => void;

/** Findings kept per run in the store; all are counted. */
const FINDINGS_KEPT = 5000;

/** Looks up where a person's key came from in the SIS (FingerprintDb.originOf, after the extract). */
type OriginLookup = (file: string, key: string) => string | undefined;

export class FindingSink {
  errors = 0;
  warnings = 0;
  readonly kept: Finding[] = [];
  private readonly repeats = new RepeatedFindings();
  /** Findings that name a person's SIS origin, known only once the extract is written (fillOriginLater). */
  private readonly later = new Map<Finding, { file: string; key: string; fill: (origin: string | undefined, lookup: OriginLookup) => Partial<Finding> }>();
  add(f: Finding): void {
    if (f.severity === 'error') this.errors++;
    else this.warnings++;
    if (!this.repeats.admit(f)) return;
    if (this.kept.length < FINDINGS_KEPT) this.kept.push(f.value.length > FINDING_VALUE_KEPT ? { ...f, value: clipValue(f.value) } : f);
  }
  /** Adds one summary per value repeated on many rows (count and sample origins); call once, at the end. */
  summarizeRepeats(): void {
    this.kept.push(...this.repeats.summaries());
  }
  /** Completes a kept finding at the end of the extract from the SIS origin of `key` in `file` (a file of people). */
  fillOriginLater(f: Finding, file: string, key: string, fill: (origin: string | undefined, lookup: OriginLookup) => Partial<Finding>): void {
    if (this.kept.length <= FINDINGS_KEPT && this.kept[this.kept.length - 1] === f) this.later.set(f, { file, key, fill });
  }
  /** Completes the findings waiting for SIS origins, in place (the left-out report holds some of the same findings). */
  resolveOrigins(lookup: OriginLookup): void {
    for (const [finding, todo] of this.later) Object.assign(finding, todo.fill(lookup(todo.file, todo.key), lookup));
    this.later.clear();
  }
}

/** Characters of a value a finding keeps: enough to recognise it, never a giant field copied into the store. */
const FINDING_VALUE_KEPT = 200;

function clipValue(value: string): string {
  return `${value.slice(0, FINDING_VALUE_KEPT)}… (${value.length.toLocaleString('en-US')} characters)`;
}

export function sourceDataFinding(file: string, error: SourceDataError): Finding {
  const { origin, column, value, rule } = error.where;
  return { severity: 'error', file, row: 0, column: column ?? '', value: value ?? '', rule, message: error.message, origin };
}

/** A run that stops at `stage` with a message for the administrator (recorded as the run's failure). */
export class RunFailure extends Error {
  constructor(
    message: string,
    readonly stage: string,
  ) {
    super(message);
  }
}
