/**
 * SIS profiles are data, like vendor formats: one file per SIS under src/profiles/, listed in
 * src/profiles/registry.ts. A profile says which engines it runs on, how to recognise the SIS
 * from its schema, and for each entity where the canonical columns (src/shared/entities.ts) come
 * from: a read-only SELECT for a database, or an export file plus a header map for a folder.
 * A source that names a profile needs no queries of its own; any single entity may still be
 * overridden by the source's own `entities` entry.
 * Pure types only: imported by the agent and by the renderer.
 */
import type { Entity } from './format.js';

/** The engines a profile can run on; the same ids as a source's `type`. */
export type ProfileEngine = 'sqlite' | 'postgres' | 'mysql' | 'mssql' | 'oracle' | 'folder';

/** How far a profile has been checked, shown in the GUI, the CLI and the README. */
export interface ProfileVerification {
  /** true when CI runs it against a fixture of the SIS's published schema in a real engine here. */
  readonly testedInCi: boolean;
  /** One sentence for admins, e.g. "Not verified against a live server: written from the public data dictionary." */
  readonly note: string;
}

/** Evidence that a database (or an export folder) belongs to this SIS. */
export interface ProfileDetection {
  /** Table (or view) name → columns that must exist in it. Names compare case-insensitively. */
  readonly tables?: Readonly<Record<string, readonly string[]>>;
  /** Folder profiles: export file glob → header names that must appear in it. */
  readonly files?: Readonly<Record<string, readonly string[]>>;
}

/** Where one entity's canonical rows come from under this profile. */
export interface ProfileEntity {
  /** Database profiles: one read-only SELECT whose result columns are canonical field names. */
  readonly query?: string;
  /** Folder profiles: the export file (glob) for this entity. */
  readonly file?: string;
  /** Folder profiles: canonical field → the SIS export's own header name. */
  readonly columns?: Readonly<Record<string, string>>;
  /**
   * Folder profiles: canonical field → { value the export writes → canonical value }, for codes an
   * export cannot spell out (PowerSchool's term Portion 2 = semester). Values not listed pass through.
   */
  readonly values?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Folder profiles: canonical field → the value every row of this export has (a cc.csv of students: role student). */
  readonly constants?: Readonly<Record<string, string>>;
  /** What this entity's query or file does about the SIS's quirks, shown beside the SQL. */
  readonly notes?: readonly string[];
}

export interface SisProfile {
  /** Lower-case id used in configuration (`profile: rosariosis`). */
  readonly id: string;
  /** Display name, e.g. "RosarioSIS". */
  readonly name: string;
  readonly engines: readonly ProfileEngine[];
  readonly verification: ProfileVerification;
  readonly detect: ProfileDetection;
  readonly entities: Readonly<Partial<Record<Entity, ProfileEntity>>>;
  /** Where the schema facts come from (public documentation URL or title). */
  readonly reference?: string;
  /** A custom profile records the built-in one it was cloned from. */
  readonly clonedFrom?: string;
}
