/**
 * Vendor formats are data. A format lists its files; each file lists its columns in order,
 * the SIS entities its rows come from, its CSV dialect and the rules every value must meet.
 * Pure types and helpers only: imported by the agent and by the renderer.
 */
import type { TransformStep } from './transform.js';

/** The kinds of record a SIS source provides. `roster` is a denormalised student-in-class row. */
export const ENTITIES = [
  'schools',
  'terms',
  'courses',
  'classes',
  'students',
  'teachers',
  'guardians',
  'enrollments',
  'roster',
] as const;
export type Entity = (typeof ENTITIES)[number];

export type HeaderCase = 'as-is' | 'upper-snake' | 'lower-snake' | 'camel';

export interface Dialect {
  readonly delimiter: string;
  /** `auto`: quote only when needed; `always`: every field; `never`: the vendor forbids quotes (values containing the delimiter, quotes or newlines are errors). */
  readonly quoting: 'auto' | 'always' | 'never';
  readonly lineEnding: '\n' | '\r\n';
  readonly bom: boolean;
  readonly header: boolean;
}

export const DEFAULT_DIALECT: Dialect = {
  delimiter: ',',
  quoting: 'auto',
  lineEnding: '\r\n',
  bom: false,
  header: true,
};

export interface ColumnRule {
  /** Allowed values (after mapping). With `multi`, each part must be allowed. */
  readonly allowed?: readonly string[];
  /** A regular expression source the whole value must match (each part with `multi`). */
  readonly pattern?: string;
  /** Human words for the pattern, used in findings: "a 10-digit state ID". */
  readonly patternLabel?: string;
  /** Longer values are flagged as a warning (the vendor truncates). */
  readonly maxLength?: number;
  /** Multi-valued cell: parts separated by `separator`, at most `maxCount`. */
  readonly multi?: { readonly separator: string; readonly maxCount?: number };
  /** Built-in checks. */
  readonly kind?: 'email' | 'date' | 'datetime' | 'boolean' | 'year';
}

/** How a target column gets its value for rows of one entity. */
export interface ColumnMapping {
  /**
   * A field of the source row (case-insensitive); `username|email|student_id` takes the first non-empty.
   * Names starting with `$` are run variables: `$runStartedAt` (ISO 8601 UTC), `$syncMode` (full|delta).
   */
  readonly from?: string;
  /** A constant value. */
  readonly const?: string;
  /** `{first_name} {last_name}` style concatenation of source fields (after which `transforms` apply). */
  readonly template?: string;
  /** Applied in order to the value. */
  readonly transforms?: readonly TransformStep[];
}

export interface ColumnDef {
  readonly name: string;
  readonly required: boolean;
  readonly description?: string;
  readonly rule?: ColumnRule;
  /** Personal data about a person (for the audit ledger: which personal-data columns were sent). */
  readonly personal?: boolean;
  /** Sensitive column the district may switch off per destination (sent blank or omitted). */
  readonly sensitive?: boolean;
  /** The format's suggested mapping per entity; the admin's mapping overrides it. */
  readonly defaults?: Partial<Record<Entity, ColumnMapping>>;
}

/**
 * The kind of person a row stands for, for role integrity: a teacher enrollment must point at a
 * teacher (or other staff), a guardian link at a guardian. `teacher` covers every staff role.
 */
export const PERSON_ROLES = ['student', 'teacher', 'guardian'] as const;
export type PersonRole = (typeof PERSON_ROLES)[number];

/**
 * How a row's person role is known: from the SIS entity that produced the row (students rows are
 * students), or from a column of the row, its values mapped (case-insensitively) to a role; a value
 * not in `values` sets no role.
 */
export type RoleSource =
  | { readonly byEntity: Partial<Record<Entity, PersonRole>> }
  | { readonly byColumn: string; readonly values: Readonly<Record<string, PersonRole>> };

export interface ReferenceRule {
  /** Column in this file (multi-valued columns are split with the column's `multi` separator). */
  readonly column: string;
  /** File and column it must point at (a file delivered before this one, or this file itself). */
  readonly file: string;
  readonly targetColumn: string;
  readonly severity?: 'error' | 'warning';
  /**
   * The role the referenced row must have (the target file says its rows' roles in `personRoles`):
   * one role, or per row of this file (by its entity or by a column such as an enrollment's role).
   */
  readonly expectRole?: PersonRole | RoleSource;
}

/** Keep only source rows whose `field` (a source field, case-insensitive) is one of `values` (exact). */
export interface RowFilterDef {
  readonly field: string;
  readonly values: readonly string[];
  /** Only for rows of these entities (all when omitted). */
  readonly entities?: readonly Entity[];
}

/**
 * A check over a whole row (or across rows of one file), after the column checks:
 * - `anyOf`: at least one of the columns has a value (e.g. SSID or email, to match a student);
 * - `consistent`: rows with the same `key` values carry the same values in `columns` (in a flat file
 *   one ID or email must stand for one school, teacher, class or student).
 */
export type RowRule =
  | { readonly kind: 'anyOf'; readonly columns: readonly string[]; readonly message?: string; readonly severity?: 'error' | 'warning' }
  | { readonly kind: 'consistent'; readonly key: readonly string[]; readonly columns: readonly string[]; readonly message?: string; readonly severity?: 'error' | 'warning' };

export interface FileDef {
  readonly name: string;
  readonly description?: string;
  /** Entities whose rows make up this file, in order (a union: users = students + teachers + guardians). */
  readonly entities: readonly Entity[];
  readonly columns: readonly ColumnDef[];
  /** Columns that identify a record: unique within the file, used by the diff; references to this file name a record by them. */
  readonly key: readonly string[];
  /**
   * Columns on which one record's rows may repeat (a teacher row per school, a student row per
   * guardian): a row is then identified by `key` + these columns (uniqueness, fingerprint, diff),
   * while references to this file still name the record by `key` alone. A record's rows must agree
   * on every other column (checked like a `consistent` row rule).
   */
  readonly repeats?: readonly string[];
  readonly dialect?: Partial<Dialect>;
  /** Written even when no rows (header only). */
  readonly alwaysPresent?: boolean;
  readonly references?: readonly ReferenceRule[];
  /** The person role of each row, for references that expect one (ReferenceRule.expectRole). */
  readonly personRoles?: RoleSource;
  /** Delivery order: lower first (schools/orgs → users → classes → enrollments). */
  readonly order: number;
  /**
   * One output row per value of a multi-valued source field (`;`-separated), per entity: each row sees
   * one value in that field (a teacher row per school, a role per school, a parent row per student).
   */
  readonly rowPer?: Partial<Record<Entity, string>>;
  /** Source rows this file always leaves out (e.g. only student enrollments); applied with the destination's row filters. */
  readonly rowFilters?: readonly RowFilterDef[];
  readonly rowRules?: readonly RowRule[];
}

/**
 * How a format treats inactive records — one rule per format, stated in its file and shown in the preview:
 * - `mark`: the vendor's files carry a status (OneRoster's enabledUser=false): inactive records are sent, marked;
 * - `drop`: the vendor has no status column (inactive = absent): inactive records are left out, and so is every
 *   row that references one (enrollments, guardian links, flat-roster rows), rather than failing the reference checks.
 */
export interface InactiveRule {
  readonly rule: 'mark' | 'drop';
  /** Per entity, the source field that says whether a record is active (e.g. students: enabled). */
  readonly fields: Partial<Record<Entity, string>>;
  /** Values of that field meaning active (compared trimmed and case-insensitively); blank counts as active. */
  readonly activeValues: readonly string[];
  /** In words, for the preview: "enabledUser=false in users.csv" or "no status column: inactive students are not sent". */
  readonly how: string;
}

export interface FormatOption {
  readonly id: string;
  readonly label: string;
  readonly description?: string;
  readonly type: 'boolean' | 'string' | 'select';
  readonly default: boolean | string;
  readonly choices?: readonly string[];
}

export interface FormatDef {
  readonly id: string;
  readonly version: string;
  readonly displayName: string;
  readonly description: string;
  readonly headerCase?: HeaderCase;
  readonly dialect?: Partial<Dialect>;
  readonly files: readonly FileDef[];
  readonly packaging?: {
    /** Zip every file flat into this archive name (tokens as in file name patterns). */
    readonly zip?: string;
    /** Write a OneRoster manifest.csv listing the files. */
    readonly oneRosterManifest?: boolean;
  };
  /** Options an admin sets per destination (e.g. "students sign in with Google"). */
  readonly options?: readonly FormatOption[];
  /**
   * Option-driven column switches: when option `option` equals `equals`, the listed files/columns are left out,
   * made optional, get extra transforms or another default mapping (the admin's own mapping still wins).
   * `option` may also be `syncMode` (the destination's `full` or `delta`). `requireSyncMode` makes the plan
   * refuse a destination whose sync mode contradicts the option (a vendor that wipes and reloads needs full snapshots).
   */
  readonly optionEffects?: readonly {
    readonly option: string;
    readonly equals: boolean | string;
    /** Further conditions that must all hold too (e.g. no Google sign-in AND passwords not overwritten). */
    readonly and?: readonly { readonly option: string; readonly equals: boolean | string }[];
    readonly omitFiles?: readonly string[];
    readonly omitColumns?: readonly { file: string; column: string }[];
    readonly optionalColumns?: readonly { file: string; column: string }[];
    readonly columnTransforms?: readonly { file: string; column: string; transforms: readonly TransformStep[] }[];
    readonly columnMappings?: readonly { file: string; column: string; mapping: Partial<Record<Entity, ColumnMapping>> }[];
    readonly requireSyncMode?: 'full' | 'delta';
  }[];
  /** Whether additions-and-changes-only deliveries are meaningful for this vendor (the plan refuses `syncMode: delta` otherwise). */
  readonly supportsDelta?: boolean;
  /**
   * How a delta delivery tells the vendor a record is gone (OneRoster's `tobedeleted`): in every file
   * holding both columns, a record delivered last time and absent now is sent as a row carrying only
   * its key, `statusColumn` = `status` and `modifiedColumn` = the run's start. Both columns describe the
   * delivery, not the record: they are left out of the row fingerprint, so switching a destination
   * between full and delta is no change. Without it, a delta delivery never mentions removed records.
   */
  readonly deltaDeletions?: { readonly statusColumn: string; readonly status: string; readonly modifiedColumn: string };
  /** The vendor counts every row (licences): a destination must narrow the rows with `rowFilters`. */
  readonly requiresRowFilter?: boolean;
  /** What happens to inactive students (and staff): marked or dropped with their dependants. */
  readonly inactive?: InactiveRule;
}

export function resolveDialect(format: FormatDef, file: FileDef): Dialect {
  return { ...DEFAULT_DIALECT, ...format.dialect, ...file.dialect };
}
