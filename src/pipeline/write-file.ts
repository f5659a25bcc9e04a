/**
 * One generated file, streamed: map → validate → fingerprint → write, row by row from the source
 * reads (src/pipeline/run-sync.ts runs it per file of the plan). Rows with errors are left out
 * (skip-rows) or kept for a blocked run; links inside the file are checked once it is complete.
 */
import { join } from 'node:path';
import type { DestinationConfig, SourceConfig } from '../shared/config.schema.js';
import type { Finding } from '../shared/run.js';
import { SourceDataError, type RowBatch, type RowValues } from '../sources/types.js';
import { bindColumn, type BoundColumn, type EntityPlan, type FieldGetter, type FilePlan, type ReferencePlan } from './plan.js';
import type { TransformIssue } from './transforms.js';
import type { ValueProblem } from './value-rules.js';
import { CsvFileWriter, type WrittenFile } from './csv-writer.js';
import type { FingerprintDb } from './fingerprints.js';
import { fieldAccess } from './field-access.js';
import { writeDeletionRows } from './delta-deletions.js';
import { rowExpander } from './row-rules.js';
import { compileRowRole, referrerLabel, roleMismatchMessage, roleName, sharedIdMessage, type RowRole } from './reference-roles.js';
import { rewriteWithout, SameFileLinks } from './same-file-links.js';
import type { LeftOutRows } from './left-out.js';
import { namespacedGetter } from './id-namespaces.js';
import type { KeyHash } from './key-filter.js';
import { hashKey64 } from './fast-hash.js';
import type { ReadAhead } from './read-ahead.js';
import type { InactiveRecords } from './inactive.js';
import { blocks, missingFields } from './source-fields.js';
import type { FindingSink} from './findings.js';
import { RunFailure, sourceDataFinding, type RunLog } from './findings.js';
import type { RunProgress } from './progress.js';

/** Time spent validating inside "extract", estimated from every 8th row (a clock read per row would cost more than it measures). */
export interface ValidationClock {
  checks: number;
  keys: number;
}

/** What writeFile needs besides the file: the run's shared state. */
export interface WriteContext {
  readonly reads: ReadAhead;
  readonly fp: FingerprintDb;
  readonly destination: DestinationConfig;
  readonly source: SourceConfig;
  readonly sink: FindingSink;
  readonly leftOut: LeftOutRows;
  /** Rows mapped per file (delivered or left out): the error budget's denominator. */
  readonly rowsMapped: Map<string, number>;
  readonly dir: string;
  readonly log: RunLog;
  readonly clock: ValidationClock;
  /** The format's inactive rule: records dropped as inactive, and their dependants (inactive-records.ts). */
  readonly inactive: InactiveRecords;
  /** Live progress: rows written are counted here. */
  readonly progress: RunProgress;
}

/**
 * Writes one generated file from its entities' reads (`reads` numbers them from `firstRead`, in the
 * plan's order). `withheld` collects the keys of rows left out (a delta delivery does not delete them).
 */
export async function writeFile(file: FilePlan, firstRead: number, w: WriteContext, withheld: Set<string>): Promise<WrittenFile> {
  const { reads, fp, destination, sink, dir, log, clock, inactive } = w;
  const name = file.def.name;
  let rowsChecked = 0;
  let rowsSampled = 0;
  let sampledChecks = 0;
  let sampledKeys = 0;
  let t0 = 0;
  const personal = file.columns.filter((c) => c.def.personal).map((c) => c.header);
  const writer = new CsvFileWriter(name, join(dir, name), file.columns.map((c) => c.header), file.dialect, { neutraliseFormulas: destination.neutraliseFormulas, counted: personal });
  const skipBadRows = destination.onValidationError === 'skip-rows';
  const delta = destination.syncMode === 'delta';
  const issues: TransformIssue[] = [];
  const problems: ValueProblem[] = [];
  const width = file.columns.length;
  const keyIndexes = file.keyIndexes;
  const recordKeyIndexes = file.recordKeyIndexes;
  const keyColumns = keyIndexes.map((i) => file.columns[i]!.def.name);
  const keyLabel = keyColumns.join('+');
  const columnNames = file.columns.map((c) => c.def.name);
  const people = file.def.personRoles !== undefined;
  /** Links inside this file, resolved when it is complete (same-file-links.ts). */
  const links = file.references.some((r) => r.targetFile === name) ? new SameFileLinks() : undefined;
  /** Keys are hashed once per row and lookup with the run's salt (fp.keySalt); `kh` takes each hash. */
  const salt = fp.keySalt;
  const kh = new Uint32Array(2);
  /** The current row's links (target key hash a, b, expected role, column: 4 words each), committed once the row is written. */
  let rowLinks = new Uint32Array(16);
  let rowLinkCount = 0;
  /** The current row's output values (the writer encodes them at once and keeps no reference). */
  const values = new Array<string>(width).fill('');
  const volatile = file.volatileColumns;
  /** The values as fingerprinted (volatile columns blank). */
  const hashed = new Array<string>(width).fill('');
  /** Columns whose transform rejected the current row's value, ascending (the first `rejected` entries). */
  const transformRejected = new Int32Array(width);
  let outRow = 0;
  let mapped = 0;

  // The row being mapped: where it came from (built only for a finding), its row number in the file, its errors.
  let batch: RowBatch | undefined;
  let batchIndex = 0;
  let rowNumber = 0;
  let rowErrors = 0;
  /** The current row's first error: the rule it is left out for, and the reason its dependants quote. */
  let firstError: Finding | undefined;
  /** Per entity: the current row's person role, and the role each reference expects. */
  let rowRole: RowRole = () => 0;
  let expectedRoles: RowRole[] = [];
  const origin = (): string | undefined => batch?.origin(batchIndex);
  const report = (severity: 'error' | 'warning', column: string, value: string, rule: string, message: string): Finding => {
    const finding: Finding = { severity, file: name, row: rowNumber, column, value, rule, message, origin: origin() };
    if (severity === 'error') {
      rowErrors++;
      firstError ??= finding;
    }
    sink.add(finding);
    return finding;
  };
  /** A reference to a person of the wrong role; the target's SIS origin is filled in at the end of the extract. */
  const reportRole = (ref: ReferencePlan, key: string, actual: number, expected: number): void => {
    const referrer = referrerLabel(name, ref.column, ref.targetFile, roleName(expected)!);
    const build = (targetOrigin?: string): string => roleMismatchMessage(referrer, key, roleName(actual)!, targetOrigin, roleName(expected)!);
    const finding = report('error', ref.column, key, 'role', build());
    sink.fillOriginLater(finding, ref.targetFile, key, (o) => ({ message: build(o) }));
  };

  /** Columns whose source fields the query or export file does not have (source-fields.ts): warned once, or the run stops. */
  const reportMissingFields = (entity: EntityPlan, has: (field: string) => boolean): void => {
    const missing = missingFields(entity.fieldNeeds, has, { entity: entity.entity, file: name });
    const required = missing.filter((m) => blocks(m.need));
    if (required.length) throw new RunFailure(`${name}: ${required.map((m) => m.message).join('; ')}.`, 'plan');
    for (const m of missing) {
      sink.add({ severity: 'warning', file: name, row: 0, column: m.need.column, value: '', rule: 'missing-source-field', message: m.message, origin: `${entity.entity} rows` });
    }
  };

  const checkReference = (ref: ReferencePlan, refIndex: number, key: string): void => {
    const expected = expectedRoles[refIndex]!(values);
    hashKey64(key, kh, salt);
    const role = fp.roleOfKeyHash(ref.targetFile, kh[0]!, kh[1]!, expected);
    if (role > 0 && expected > 0 && role !== expected) {
      reportRole(ref, key, role, expected);
      return;
    }
    if (ref.targetFile === name) {
      // Same file: checked again, with everything that depends on it, once the file is complete.
      if ((rowLinkCount + 1) * 4 > rowLinks.length) {
        const bigger = new Uint32Array(rowLinks.length * 2);
        bigger.set(rowLinks);
        rowLinks = bigger;
      }
      const at = rowLinkCount++ * 4;
      rowLinks[at] = kh[0]!;
      rowLinks[at + 1] = kh[1]!;
      rowLinks[at + 2] = expected;
      rowLinks[at + 3] = ref.columnIndex;
      return;
    }
    if (role >= 0) return;
    const why = fp.leftOutReason(ref.targetFile, key);
    if (why !== undefined) {
      report(ref.severity, ref.column, key, 'left-out', leftOutBecause(ref.targetFile, key, expected, why));
    } else {
      report(ref.severity, ref.column, key, 'reference', `${key} is not a ${ref.targetFile} record in this delivery.`);
    }
  };

  const keyOf = (row: readonly string[]): string => (keyIndexes.length === 1 ? row[keyIndexes[0]!]! : keyIndexes.map((i) => row[i]).join('\u001f'));
  /** The key references to this file name (with FileDef.repeats, the record's key without the repeated columns). */
  const recordKeyOf = (row: readonly string[]): string =>
    recordKeyIndexes ? (recordKeyIndexes.length === 1 ? row[recordKeyIndexes[0]!]! : recordKeyIndexes.map((i) => row[i]).join('\u001f')) : keyOf(row);
  const scratchIssues: TransformIssue[] = [];
  /**
   * The inactive rule's cascade: a row whose reference points at a record dropped as inactive is dropped
   * too (its issues already reported for it are moot: nothing of it is delivered); in a multi-valued
   * reference only the dropped parts go, and the row only when none is left.
   */
  const dependsOnDropped = (): boolean => {
    for (const ref of file.references) {
      if (!inactive.anyDropped(ref.targetFile)) continue;
      const value = values[ref.columnIndex]!;
      if (!value) continue;
      if (ref.separator && value.includes(ref.separator)) {
        const parts = value.split(ref.separator);
        const kept = parts.filter((p) => !inactive.isDropped(ref.targetFile, p));
        if (kept.length === parts.length) continue;
        if (kept.length) {
          values[ref.columnIndex] = kept.join(ref.separator);
          continue;
        }
      } else if (!inactive.isDropped(ref.targetFile, value)) {
        continue;
      }
      inactive.dependant(name, recordKeyOf(values), ref.targetFile);
      return true;
    }
    return false;
  };

  /** Leaves the current row out: counted for the budget and the report, its key marked so dependants say why. */
  const leaveOut = (key: string, error: Finding): void => {
    w.leftOut.add(error);
    if (key && fp.roleOf(name, key) < 0) fp.markLeftOut(name, key, `${error.column} "${error.value}": ${error.message}`);
  };

  /** The current entity's columns bound to its read (plan.ts bindColumn), and the current array row (empty for object rows). */
  let readers: BoundColumn[] = [];
  const NO_VALUES: RowValues = [];
  /** map → validate → fingerprint → write, for one source row (after filters and row expansion). */
  const mapRow = (entity: EntityPlan, get: FieldGetter, row: RowValues): void => {
    const sample = (rowsChecked++ & 7) === 0;
    if (sample) rowsSampled++;
    rowNumber = outRow + 1;
    rowErrors = 0;
    firstError = undefined;
    rowLinkCount = 0;
    if (entity.inactive?.isInactive(get)) {
      if (entity.inactive.rule === 'drop') {
        // Left out whole: its values are not checked (nothing about it is delivered).
        for (const i of keyIndexes) values[i] = readers[i]!(row, scratchIssues);
        scratchIssues.length = 0;
        inactive.inactive(name, entity.entity, recordKeyOf(values), 'drop');
        return;
      }
      inactive.inactive(name, entity.entity, '', 'mark');
    }
    let rejected = 0;
    for (let i = 0; i < width; i++) {
      values[i] = readers[i]!(row, issues);
      if (issues.length) {
        for (const issue of issues) {
          report(issue.severity, file.columns[i]!.header, issue.value, issue.rule, issue.message);
          if (issue.severity === 'error' && (rejected === 0 || transformRejected[rejected - 1] !== i)) transformRejected[rejected++] = i;
        }
        issues.length = 0;
      }
    }
    if (dependsOnDropped()) return;
    // Rows the inactive rule drops are not delivered by design: the error budget counts the others.
    mapped++;
    if (sample) t0 = performance.now();
    for (let i = 0, r = 0; i < width; i++) {
      // A value its transform already rejected (unknown grade, unmapped school) is reported once, not again by the column rules.
      if (r < rejected && transformRejected[r] === i) {
        r++;
        continue;
      }
      const column = file.columns[i]!;
      column.check(values[i]!, problems);
      if (problems.length) {
        for (const p of problems) report(p.severity, column.header, values[i]!, p.rule, p.message);
        problems.length = 0;
      }
    }
    if (sample) sampledChecks += performance.now() - t0;

    if (sample) t0 = performance.now();
    const references = file.references;
    for (let refIndex = 0; refIndex < references.length; refIndex++) {
      const ref = references[refIndex]!;
      const value = values[ref.columnIndex]!;
      if (!value) continue;
      if (ref.separator && value.includes(ref.separator)) {
        for (const part of value.split(ref.separator)) if (part) checkReference(ref, refIndex, part);
      } else {
        checkReference(ref, refIndex, value);
      }
    }
    for (const check of file.rowChecks) check(name, values, rowNumber, fp, report);

    const key = keyOf(values);
    // A file of repeated rows (FileDef.repeats): the record the row belongs to, which references name.
    const recordKey = recordKeyIndexes ? recordKeyOf(values) : undefined;
    if (rowErrors > 0 && skipBadRows) {
      leaveOut(recordKey ?? key, firstError!);
      if (file.deletions && key) withheld.add(key);
      return;
    }
    // Columns filled from the run's clock are left out of the fingerprint.
    let fingerprinted: readonly string[] = values;
    if (volatile.length) {
      for (let i = 0; i < width; i++) hashed[i] = values[i]!;
      for (const i of volatile) hashed[i] = '';
      fingerprinted = hashed;
    }
    const role = people ? rowRole(values) : 0;
    // The key's hash, once: for the filter, the record, the delta lookup and the file's links.
    hashKey64(key, kh, salt);
    const ka = kh[0]!;
    const kb = kh[1]!;
    if (key && !fp.addHashedKey(name, key, ka, kb, fingerprinted, recordKey, people, role, people ? (origin() ?? '') : '')) {
      const first = people ? fp.roleOf(name, recordKey ?? key) : 0;
      const shown = key.split('\u001f').join('+');
      if (first > 0 && role > 0 && first !== role) {
        const build = (firstOrigin?: string): string => sharedIdMessage(shown, roleName(first)!, firstOrigin, roleName(role)!, name, w.source.name);
        const finding = report('error', keyLabel, shown, 'shared-id', build());
        sink.fillOriginLater(finding, name, key, (o) => ({ message: build(o) }));
      } else {
        report('error', keyLabel, shown, 'unique', `${keyColumns.join(' + ')} must be unique; this value appears earlier in ${name}.`);
      }
      if (skipBadRows) {
        // The key stays delivered (the first row): not marked left out.
        w.leftOut.add(firstError!);
        return;
      }
    }
    if (sample) sampledKeys += performance.now() - t0;
    if (delta) {
      if (fp.unchangedSincePreviousHash(name, ka, kb, fingerprinted)) return;
    }
    // Links of the rows written (numbered as written) are checked again when the file is complete.
    if (links && key && rowLinkCount > 0) {
      let sa = ka;
      let sb = kb;
      if (recordKey !== undefined) {
        hashKey64(recordKey, kh, salt);
        sa = kh[0]!;
        sb = kh[1]!;
      }
      for (let l = 0; l < rowLinkCount * 4; l += 4) links.addPairs(rowNumber, sa, sb, rowLinks[l]!, rowLinks[l + 1]!, rowLinks[l + 2]!, rowLinks[l + 3]!);
    }
    outRow++;
    w.progress.rowsInFile++;
    writer.add(values);
  };

  try {
    for (const [entityIndex, entity] of file.entities.entries()) {
      const access = fieldAccess();
      const get = namespacedGetter(entity.entity, w.source.idNamespaces, access.get);
      rowRole = compileRowRole(file.def.personRoles, entity.entity, columnNames);
      expectedRoles = file.references.map((r) => compileRowRole(r.expectRole, entity.entity, columnNames));
      const expand = entity.rowPer ? rowExpander(entity.rowPer) : undefined;
      const filtered = (): boolean => entity.filters.length > 0 && !entity.filters.every((f) => f.values.has(access.get(f.field) ?? ''));
      let read = 0;
      /** Array rows (RowBatch.values) are read by index, unless a rowPer rule expands them into objects. */
      let byIndex = false;
      for await (const sourced of reads.read(firstRead + entityIndex)) {
        batch = sourced;
        if (read === 0) {
          byIndex = !expand && sourced.columns !== undefined && sourced.values !== undefined;
          if (byIndex) access.useColumns(sourced.columns!);
          // Namespaced IDs go through their getter: no column reads its field by index then.
          const slot = byIndex && get === access.get ? access.slot : (): number => -1;
          readers = entity.columns.map((column) => bindColumn(column, slot, get));
        }
        if (byIndex) {
          const rows = sourced.values!;
          if (read === 0 && rows.length) reportMissingFields(entity, access.has);
          read += rows.length;
          for (batchIndex = 0; batchIndex < rows.length; batchIndex++) {
            const row = rows[batchIndex]!;
            access.setValues(row);
            if (!filtered()) mapRow(entity, get, row);
          }
        } else {
          const rows = sourced.rows;
          if (read === 0 && rows.length) {
            access.set(rows[0]!);
            reportMissingFields(entity, access.has);
          }
          read += rows.length;
          for (batchIndex = 0; batchIndex < rows.length; batchIndex++) {
            if (expand) {
              for (const row of expand(rows[batchIndex]!)) {
                access.set(row);
                if (!filtered()) mapRow(entity, get, NO_VALUES);
              }
            } else {
              access.set(rows[batchIndex]!);
              if (!filtered()) mapRow(entity, get, NO_VALUES);
            }
          }
        }
        await writer.ready();
        w.progress.tick();
      }
      batch = undefined;
      log('info', 'source', `${name}: read ${read} ${entity.entity} rows.`);
    }
    const deleted = await writeDeletionRows(file, fp, writer, withheld);
    if (deleted) log('info', 'write', `${name}: ${deleted} record(s) removed since the last delivery sent as ${file.deletions!.status}.`);
    if (rowsSampled) {
      clock.checks += (sampledChecks * rowsChecked) / rowsSampled;
      clock.keys += (sampledKeys * rowsChecked) / rowsSampled;
    }
    w.rowsMapped.set(name, mapped);
    let written = await writer.finish();
    if (links?.size) written = await leaveOutBrokenLinks(file, written, links, w, withheld);
    const skipped = w.leftOut.count(name);
    if (skipped) log('warn', 'validate', `${name}: ${skipped} row(s) with errors left out.`);
    return written;
  } catch (err) {
    await writer.abort();
    if (err instanceof RunFailure) throw err;
    // Bad bytes or a giant field in the SIS data: a finding at its place besides the failed run.
    if (err instanceof SourceDataError) sink.add(sourceDataFinding(name, err));
    throw new RunFailure(`${name}: ${(err as Error).message}`, 'source');
  }
}

const sameHash = (x: KeyHash, y: KeyHash): boolean => x.a === y.a && x.b === y.b;

/** "left out because teacher 1011 was left out: …" */
function leftOutBecause(targetFile: string, key: string, expected: number, why: string): string {
  const what = roleName(expected) ?? `${targetFile} record`;
  return `left out because ${what} ${key} was left out${why ? `: ${why}` : ''}`;
}

/**
 * A complete file with links inside it (same-file-links.ts): the rows whose links fail — directly or
 * because the row they point at goes — are reported and, with skip-rows, the file is written again
 * without them (in block mode nothing is delivered anyway). Their keys leave the delivery, so later
 * files referring to them are left out in turn.
 */
async function leaveOutBrokenLinks(file: FilePlan, written: WrittenFile, links: SameFileLinks, w: WriteContext, withheld: Set<string>): Promise<WrittenFile> {
  const name = file.def.name;
  const { fp, sink } = w;
  const broken = links.resolve({ roleOf: (h) => fp.roleOfHash(name, h), remove: (h) => fp.removeKeyHash(name, h) });
  if (!broken.size) return written;
  const dropped: { row: number; key: string; values: readonly string[] }[] = [];
  const rewritten = await rewriteWithout(written, file.columns.map((c) => c.header), file.dialect, new Set(broken.keys()), (row, values) => {
    const key = file.keyIndexes.map((i) => values[i] ?? '').join('\u001f');
    dropped.push({ row, key, values });
    if (file.deletions) withheld.add(key);
  });
  const byKey = new Map(dropped.map((d) => [d.key, d]));
  const reasons = new Map<string, string>();
  // Why a row went, for the rows that pointed at it (a chain is followed to its first broken link).
  const reasonOf = (d: (typeof dropped)[number], depth = 0): { rule: string; column: string; value: string; message: string } => {
    const failure = broken.get(d.row)!;
    const ref = file.references.find((r) => r.columnIndex === failure.column)!;
    const cell = d.values[failure.column] ?? '';
    const parts = ref.separator ? cell.split(ref.separator) : [cell];
    const target = parts.find((p) => p && sameHash(fp.keyHash(p), failure.target)) ?? cell;
    const header = file.columns[failure.column]!.header;
    if (failure.cause === 'role') {
      const referrer = referrerLabel(name, ref.column, name, roleName(failure.expectedRole)!);
      return { rule: 'role', column: header, value: target, message: roleMismatchMessage(referrer, target, roleName(failure.actualRole)!, undefined, roleName(failure.expectedRole)!) };
    }
    const upstream = byKey.get(target);
    if (upstream && depth < 50) {
      const why = reasons.get(target) ?? reasonOf(upstream, depth + 1).message;
      return { rule: 'left-out', column: header, value: target, message: leftOutBecause(name, target, failure.expectedRole, why) };
    }
    const earlier = fp.leftOutReason(name, target);
    if (earlier !== undefined) return { rule: 'left-out', column: header, value: target, message: leftOutBecause(name, target, failure.expectedRole, earlier) };
    return { rule: 'reference', column: header, value: target, message: `${target} is not a ${name} record in this delivery.` };
  };
  for (const d of dropped) {
    const reason = reasonOf(d);
    reasons.set(d.key, reason.message);
    const finding: Finding = { severity: 'error', file: name, row: d.row, column: reason.column, value: reason.value, rule: reason.rule, message: reason.message };
    sink.add(finding);
    const failure = broken.get(d.row)!;
    const targetKey = reason.value;
    // The row's own SIS origin, and for a wrong role the target's, come from the origins table at the end.
    sink.fillOriginLater(finding, name, d.key, (o, lookup) => ({
      origin: o,
      message:
        failure.cause === 'role'
          ? roleMismatchMessage(referrerLabel(name, reason.column, name, roleName(failure.expectedRole)!), targetKey, roleName(failure.actualRole)!, lookup(name, targetKey), roleName(failure.expectedRole)!)
          : reason.message,
    }));
    w.leftOut.add(finding);
  }
  fp.dropWrittenKeys(
    name,
    dropped.map((d) => ({ key: d.key, reason: reasons.get(d.key) ?? '' })),
  );
  return rewritten;
}
