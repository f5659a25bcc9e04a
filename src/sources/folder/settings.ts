/**
 * Settings of an export-folder source: where the SIS drops its nightly files, how to read them,
 * when a set counts as complete and what happens to processed files.
 */
import { z } from 'zod';
import { maxFieldLengthSetting } from '../common.js';
import { relativePathProblem } from '../../shared/relative-path.js';

export const FILE_ENCODINGS = ['auto', 'utf-8', 'utf-16le', 'utf-16be', 'windows-1252'] as const;
export type FileEncoding = (typeof FILE_ENCODINGS)[number];

export const folderSettingsSchema = z
  .object({
    /** The export folder: a local path or a UNC path (\\server\share\exports). */
    path: z.string().min(1, 'the export folder is required'),
    /**
     * Character encoding of text files. `auto`: a BOM decides, UTF-16 is recognised by its zero bytes,
     * anything else must be valid UTF-8 — bytes that are not are a finding, never silently read as
     * Windows-1252. Set `windows-1252` for a SIS that writes ANSI files.
     */
    encoding: z.enum(FILE_ENCODINGS).default('auto'),
    /** Longest value (characters) a field may hold; a longer one stops the read with a finding, so one giant field cannot exhaust memory. */
    maxFieldLength: maxFieldLengthSetting,
    /** Field delimiter of text files; `auto` picks the most frequent of , tab | ; in the header line. */
    delimiter: z.enum(['auto', ',', '\t', '|', ';']).default('auto'),
    /** A file is complete when its size and modification time have not changed for this long. */
    quietPeriodSeconds: z.number().min(0).max(3600).default(30),
    /** Optional file the SIS writes last (e.g. `done.flag`): the set is ready only once it exists. */
    triggerFile: z
      .string()
      .min(1)
      .refine((name) => !relativePathProblem(name), { error: (issue) => relativePathProblem(String(issue.input)) })
      .optional(),
    /** A set that stays incomplete this long (some expected files there, others missing) is reported as a failed run naming the missing files (0 = never). */
    incompleteAfterMinutes: z.number().min(0).max(10_080).default(120),
    /** How long a run waits for files that are still being written before giving up. */
    maxWaitSeconds: z.number().min(0).max(86_400).default(1800),
    /** After a successful run: move the files to the archive folder, or leave them where they are. */
    afterProcessing: z.enum(['archive', 'leave']).default('leave'),
    /** Archive folder; default `archive` inside the export folder. */
    archivePath: z.string().min(1).optional(),
    /** Archived sets older than this many days are deleted (0 = keep forever). */
    archiveKeepDays: z.number().int().min(0).default(30),
    /** Poll instead of relying on file-system events (needed for most network shares). */
    usePolling: z.boolean().default(false),
    pollIntervalSeconds: z.number().min(0.05).max(600).default(5),
    /** Wait this long after the last arrival before reporting a new set (files of one export arrive one by one). */
    debounceSeconds: z.number().min(0).max(3600).default(10),
    /** Worksheet of .xlsx files: a name, or empty for the first sheet. */
    sheet: z.string().default(''),
  })
  .strict();
export type FolderSettings = z.infer<typeof folderSettingsSchema>;
