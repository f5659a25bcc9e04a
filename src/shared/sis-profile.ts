/**
 * SIS profiles are data, like vendor formats: one file per SIS under src/profiles/, listed in
 * src/profiles/registry.ts. A profile says which engines it runs on, how to recognise the SIS
 * from its schema, and for each entity where the canonical columns (src/shared/entities.ts) come
 * from: a read-only SELECT for a database, or an export file plus a header map for a folder.
 * A source that names a profile needs no queries of its own; any single entity may still be
 * overridden by the source's own `entities` entry.
 * The zod shape below is the one definition: the types are inferred from it, and
 * src/profiles/profile.schema.ts adds the checks that need the SQL guard. Imported by the agent and
 * by the renderer.
 */
import { z } from 'zod';
import { entitySchema, sourceTypeSchema } from './config.schema.js';
import type { DeepReadonly } from './deep-readonly.js';

const PROFILE_ID = /^[a-z0-9][a-z0-9_-]{0,39}$/;

const names = z.array(z.string().min(1)).min(1, 'list at least one column');

/** Where one entity's canonical rows come from under this profile. */
const profileEntitySchema = z
  .object({
    /** Database profiles: one read-only SELECT whose result columns are canonical field names. */
    query: z.string().min(1).optional(),
    /** Folder profiles: the export file (glob) for this entity. */
    file: z.string().min(1).optional(),
    /** Folder profiles: canonical field → the SIS export's own header name. */
    columns: z.record(z.string().min(1), z.string().min(1)).optional(),
    /**
     * Folder profiles: canonical field → { value the export writes → canonical value }, for codes an
     * export cannot spell out (PowerSchool's term Portion 2 = semester). Values not listed pass through.
     */
    values: z.record(z.string().min(1), z.record(z.string(), z.string())).optional(),
    /** Folder profiles: canonical field → the value every row of this export has (a cc.csv of students: role student). */
    constants: z.record(z.string().min(1), z.string()).optional(),
    /** What this entity's query or file does about the SIS's quirks, shown beside the SQL. */
    notes: z.array(z.string()).optional(),
  })
  .strict()
  .refine((e) => Boolean(e.query) !== Boolean(e.file), 'give either a query (database profiles) or a file (export-folder profiles)');

/** How far a profile has been checked, shown in the GUI, the CLI and the README. */
const verificationSchema = z
  .object({
    /** true when CI runs it against a fixture of the SIS's published schema in a real engine here. */
    testedInCi: z.boolean(),
    /** One sentence for admins, e.g. "Not verified against a live server: written from the public data dictionary." */
    note: z.string().min(1),
  })
  .strict();

/** Evidence that a database (or an export folder) belongs to this SIS. */
const detectionSchema = z
  .object({
    /** Table (or view) name → columns that must exist in it. Names compare case-insensitively. */
    tables: z.record(z.string().min(1), names).optional(),
    /** Folder profiles: export file glob → header names that must appear in it. */
    files: z.record(z.string().min(1), names).optional(),
  })
  .strict();

/** A profile's fields and their types; the cross-field checks are in src/profiles/profile.schema.ts. */
export const sisProfileShape = z
  .object({
    /** Lower-case id used in configuration (`profile: rosariosis`). */
    id: z.string().regex(PROFILE_ID, 'lower-case letters, digits, dash or underscore (at most 40), e.g. "rosariosis-custom"'),
    /** Display name, e.g. "RosarioSIS". */
    name: z.string().min(1, 'a display name is required'),
    /** The engines a profile can run on; the same ids as a source's `type`. */
    engines: z.array(sourceTypeSchema).min(1, 'name at least one engine (postgres, mysql, mssql, oracle, sqlite or folder)'),
    verification: verificationSchema,
    detect: detectionSchema,
    entities: z.partialRecord(entitySchema, profileEntitySchema),
    /** Where the schema facts come from (public documentation URL or title). */
    reference: z.string().optional(),
    /** A custom profile records the built-in one it was cloned from. */
    clonedFrom: z.string().optional(),
  })
  .strict();

export type SisProfile = DeepReadonly<z.infer<typeof sisProfileShape>>;
export type ProfileEngine = SisProfile['engines'][number];
export type ProfileEntity = DeepReadonly<z.infer<typeof profileEntitySchema>>;
