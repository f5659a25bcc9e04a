/**
 * THE contract between the agent's local HTTP API and its GUI clients (Electron preload bridge,
 * browser fetch client). Every call is listed once here with its zod request schema and its
 * response type (a phantom: types only, nothing at run time). The server validates every request
 * with `API[call].input`; both clients and the server derive their types from this object.
 *
 * Transport: `POST /api/<call>` with a JSON body (the input), `Authorization: Bearer <key>`;
 * the answer is the JSON output (200) or `{ error: { code, message } }` (4xx/5xx).
 *
 * Secrets are write-only: a save carries `secrets: { field: value }` (a value of '' removes the
 * stored secret, an absent field keeps it); reads only say which secret fields are set.
 * Pure module (imported by the renderer): no node: imports.
 */
import { z } from 'zod';
import {
  destinationConfigSchema,
  destinationTypeSchema,
  entitySchema,
  nameSchema,
  notificationsSchema,
  settingsSchema,
  siteMapEntrySchema,
  sourceConfigSchema,
  type DestinationConfig,
  type NotificationsConfig,
  type SiteMapEntry,
  type SourceConfig,
} from './config.schema.js';
import type { ColumnMapping, Entity, FormatDef, FormatOption } from './format.js';
import type { HostKeyState } from './destination-capabilities.js';
import { RUN_STATUSES, type FileDiff, type Finding, type RunDetail, type RunStatus, type RunSummary, type RunTrigger } from './run.js';
import type { AuditDelivery, StudentReceipt } from './audit.js';
import type { SisProfile } from './sis-profile.js';
import type { CheckResult, ConnectionFailure, DestinationCheck, SampleResult, TableInfo } from './connection-check.js';
import type { DeepReadonly } from './deep-readonly.js';
export { CONNECTION_FAILURE_CODES, type ConnectionFailure, type ConnectionFailureCode } from './connection-check.js';
import type { HoldReview } from './hold-review.js';
import type { SiteMapCodeCheck } from './school-codes.js';

// ---- contract machinery --------------------------------------------------------------------

/** One call: its request schema and (phantom) response type. */
export interface CallDef<I extends z.ZodType, O> {
  readonly input: I;
  /** Phantom: `undefined` at run time, carries the response type. */
  readonly output: O;
}

const call =
  <O>() =>
  <I extends z.ZodType>(input: I): CallDef<I, O> =>
    ({ input, output: undefined as unknown as O });

const none = z.object({}).strict();
const secretsInput = z.record(z.string(), z.string()).optional();

/** A source as the form edits it: the config (defaults filled by the agent) and write-only secrets. */
const sourceDraft = z
  .object({
    config: sourceConfigSchema,
    secrets: secretsInput,
  })
  .strict();

const destinationDraft = z
  .object({
    config: destinationConfigSchema,
    secrets: secretsInput,
  })
  .strict();

const byName = z.object({ name: nameSchema }).strict();
const byDestination = z.object({ destination: nameSchema }).strict();
const byRunId = z.object({ id: z.number().int().positive() }).strict();

// ---- response types -------------------------------------------------------------------------

/** Which secret fields of the driver hold a stored value (values are never returned). */
export type SecretsSet = Readonly<Record<string, boolean>>;

/** For each stored secret field, the connection it was saved for (`host:port/db`, `user@host:port`). */
export type SecretsSavedFor = Readonly<Record<string, string>>;

export interface SourceView {
  readonly config: SourceConfig;
  readonly secretsSet: SecretsSet;
  readonly secretsSavedFor: SecretsSavedFor;
}

export interface DestinationView {
  readonly config: DestinationConfig;
  readonly secretsSet: SecretsSet;
  readonly secretsSavedFor: SecretsSavedFor;
  /** Destinations with the `hostKey` capability: the trusted fingerprint and the one the server presented last. */
  readonly hostKey?: HostKeyState;
}

/** A source or destination driver, for forms: its settings as JSON Schema and its secret fields. */
export interface ConnectionTypeInfo {
  readonly kind: 'source' | 'destination';
  readonly id: string;
  readonly displayName: string;
  readonly secretFields: readonly string[];
  /** Settings naming the server a stored secret belongs to: when one changes, the secret must be typed again. */
  readonly identityFields: readonly string[];
  /** Sources: SourceCapability; destinations: DestinationCapability (src/shared/destination-capabilities.ts). */
  readonly capabilities: readonly string[];
  /**
   * JSON Schema of the driver's `settings` (null when it cannot be expressed). Destinations: settings the
   * agent learns are `readOnly`; `oneOf` has one branch per sign-in method with its secret properties (`x-secret`).
   */
  readonly settingsSchema: unknown;
  /** Destinations with the `hostKey` capability: the setting holding the pinned fingerprint (set by trusting, never typed). */
  readonly hostKeySetting?: string;
}

/** `discarded`: the latest run was held and then discarded (nothing delivered; the vendor keeps the previous data). */
export type DestinationStatus = 'ok' | 'failed' | 'held' | 'discarded' | 'running' | 'never' | 'disabled';

/** A destination that is not delivering: failing runs, or no delivery for longer than its limit. */
export interface IncidentView {
  readonly cause: 'failing' | 'stale';
  readonly openedAt: string;
  readonly failures: number;
  readonly lastAlertAt: string;
  /** What went wrong last (a run's message or the staleness). */
  readonly lastMessage: string;
}

/** A notification channel (e-mail, webhook) and whether alerts reach it. */
export interface ChannelHealthView {
  readonly channel: 'email' | 'webhook';
  readonly failing: boolean;
  readonly lastOkAt?: string;
  readonly lastErrorAt?: string;
  readonly lastError?: string;
  /** Alerts kept for a retry. */
  readonly waiting: number;
}

export interface DashboardDestination {
  readonly name: string;
  readonly enabled: boolean;
  readonly type: string;
  readonly format: string;
  readonly source: string;
  readonly status: DestinationStatus;
  /** Latest real (not preview) run. */
  readonly lastRun: RunSummary | null;
  readonly lastSuccess: RunSummary | null;
  /** ISO time of the next scheduled run; null when not scheduled (or the scheduler is not running). */
  readonly nextRun: string | null;
  readonly scheduleEnabled: boolean;
  /** The open incident, if the destination is failing or stale. */
  readonly incident: IncidentView | null;
}

export interface HeldRun {
  readonly run: RunSummary;
  readonly holdReasons: readonly string[];
  readonly diff: readonly FileDiff[];
}

export interface Dashboard {
  readonly destinations: readonly DashboardDestination[];
  readonly holds: readonly HeldRun[];
  /** Scheduled runs paused by an administrator. */
  readonly schedulesPaused: boolean;
  /** Overall state for the tray icon: the worst of all destinations. */
  readonly overall: DestinationStatus;
  /** The notification channels that are set up, and whether alerts reach them. */
  readonly notificationChannels: readonly ChannelHealthView[];
  /** Who runs the schedules of this data folder. */
  readonly agent: AgentState;
}

/**
 * Who schedules runs for this data folder. `here`: the process answering is the agent (scheduler
 * and export-folder watchers); `other`: it is attached to the agent process `pid`; `nobody`: no
 * agent runs, so nothing runs on schedule (and no next run is shown).
 */
export interface AgentState {
  readonly scheduling: 'here' | 'other' | 'nobody';
  /** The agent's process (null when nobody schedules). */
  readonly pid: number | null;
  /** When the agent took the data folder (null when nobody schedules). */
  readonly runningSince: string | null;
  readonly schedulesPaused: boolean;
  /** Whether the agent is installed as a system service (systemd unit or Windows service) on this machine. */
  readonly serviceInstalled: boolean;
  readonly version: string;
}

export interface AgentStatus {
  readonly version: string;
  readonly home: string;
  readonly pid: number;
  readonly startedAt: string;
  readonly runningRuns: readonly number[];
  readonly agent: AgentState;
}

/** The stages of a run, in order (a held run's approval goes straight to deliver). */
export const RUN_STAGES = ['plan', 'source', 'map', 'validate', 'write', 'deliver', 'record'] as const;
export type RunStage = (typeof RUN_STAGES)[number];

/**
 * What a run tells while it goes, streamed by `GET /api/events` as Server-Sent Events (the event
 * name is `type`, the data this object as JSON). Every event names its run.
 *  - `run-started`: the run record exists (its id is final);
 *  - `progress`: about twice a second while rows flow, and at every stage change;
 *  - `log`: a line of the run's event log;
 *  - `run-finished`: the run's final status (also `cancelled`).
 */
export type LiveEvent =
  | { readonly type: 'run-started'; readonly runId: number; readonly destination: string; readonly trigger: RunTrigger; readonly dryRun: boolean; readonly at: string }
  | {
      readonly type: 'progress';
      readonly runId: number;
      readonly destination: string;
      readonly stage: RunStage;
      /** The file being written (during write), or null. */
      readonly file: string | null;
      /** Rows written so far (all files). */
      readonly rows: number;
      /** Rows per second since the run started reading. */
      readonly rowsPerSecond: number;
      /** The rows of the last good delivery (the ETA's basis), or null when there was none. */
      readonly expectedRows: number | null;
      /** Seconds left by the rate and the last good delivery's rows; null without a basis. */
      readonly etaSeconds: number | null;
      /** Bytes of the files uploaded (or copied) to the destination so far. */
      readonly bytesUploaded: number;
      readonly at: string;
    }
  | { readonly type: 'log'; readonly runId: number; readonly destination: string; readonly level: 'info' | 'warn' | 'error'; readonly stage: string; readonly message: string; readonly at: string }
  | { readonly type: 'run-finished'; readonly runId: number; readonly destination: string; readonly status: RunStatus; readonly message: string; readonly rows: number; readonly at: string };

export type LiveEventType = LiveEvent['type'];

/** `GET /api/events` (Server-Sent Events): the key as a bearer header, or `?key=` for EventSource, which cannot send headers. */
export const EVENTS_PATH = '/api/events';

export interface StartedRun {
  readonly runId: number;
  readonly status: RunStatus;
}

/** The drivers' own answers, handed to the screens as they are (src/shared/connection-check.ts). */
export type CheckResultView = CheckResult;
export type DestinationCheckView = DestinationCheck;
export type TableView = TableInfo;
export type SampleView = SampleResult;

export interface HostKeyView {
  readonly fingerprint: string;
  readonly keyType: string;
}

/** Profiles whose tables/columns (or export files/headers) a source has, with the evidence (src/profiles/detect.ts). */
export interface DetectionView {
  /** false: the source could not be read (`error` says why); `matches` is then empty. */
  readonly ok: boolean;
  readonly error?: ConnectionFailure;
  readonly matches: readonly {
    readonly id: string;
    readonly name: string;
    /** "tables students, student_enrollment, course_periods found: RosarioSIS" */
    readonly evidence: string;
    readonly verification: SisProfile['verification'];
  }[];
  /** The matches in one sentence, or what was looked for when none matched. */
  readonly message: string;
}

/** A SIS profile for the source editor: its SQL (or files) per entity and how far it was verified. */
export interface ProfileView {
  readonly profile: SisProfile;
  readonly builtIn: boolean;
}


export interface FormatSummary {
  readonly id: string;
  readonly version: string;
  readonly displayName: string;
  readonly description: string;
  readonly files: readonly string[];
  readonly options: readonly FormatOption[];
  readonly builtIn: boolean;
}

export interface FieldCandidate {
  readonly field: string;
  /** 0–1, higher is a closer name match. */
  readonly score: number;
}

export interface ColumnSuggestion {
  readonly file: string;
  readonly entity: Entity;
  readonly column: string;
  readonly required: boolean;
  readonly description?: string;
  /** The format's own default mapping for this entity (what applies when the admin sets nothing). */
  readonly formatDefault: ColumnMapping | null;
  /** The destination's current override, if one was given. */
  readonly current: ColumnMapping | null;
  /** Source fields of this entity, best name match first (empty when none is close). */
  readonly candidates: readonly FieldCandidate[];
}

export interface MappingSuggestions {
  /** Fields each entity's query/file returns (from a 1-row sample). */
  readonly sourceFields: Partial<Readonly<Record<Entity, readonly string[]>>>;
  /** Entities whose fields could not be read, with the reason. */
  readonly sourceErrors: Partial<Readonly<Record<Entity, string>>>;
  readonly columns: readonly ColumnSuggestion[];
}

export interface PreviewFile {
  readonly name: string;
  readonly rows: number;
  readonly bytes: number;
  readonly header: readonly string[];
  /** First N data rows as written. */
  readonly sample: readonly (readonly string[])[];
}

export interface PreviewResult {
  readonly status: RunStatus;
  readonly message: string;
  readonly errors: number;
  readonly warnings: number;
  readonly files: readonly PreviewFile[];
  /** The first findings (errors first); `findingsTotal` counts all. */
  readonly findings: readonly Finding[];
  readonly findingsTotal: number;
  readonly holdReasons: readonly string[];
  readonly diff: readonly FileDiff[];
  readonly unmappedSchools: readonly string[];
}

export interface FileDownload {
  readonly fileName: string;
  readonly mimeType: string;
  /** Base64 of the file's bytes. */
  readonly contentBase64: string;
}

export interface SiteMapImportResult {
  /** As read (or with the leading zeros put back when asked), or as saved. */
  readonly entries: readonly SiteMapEntry[];
  readonly saved: boolean;
  /** The file's codes against the destination's known school codes (source, current map, last run). */
  readonly codeCheck: SiteMapCodeCheck;
}

export interface UnmappedSchool {
  readonly schoolCode: string;
  readonly name: string;
}

export interface NotificationsView extends NotificationsConfig {
  readonly hasPassword: boolean;
  readonly hasWebhookUrl: boolean;
}

export interface SettingsView {
  readonly notifications: NotificationsView;
  readonly general: z.infer<typeof settingsSchema>;
  /** Read-only: the data folder and the files in it. */
  readonly home: string;
  readonly storePath: string;
  readonly version: string;
}

export interface OkView {
  readonly ok: true;
}

export interface TestEmailResult {
  readonly ok: boolean;
  readonly message: string;
  /** Set when `ok` is false. */
  readonly error?: ConnectionFailure;
}

/** One entry of a configuration import: added, changed (field by field) or unchanged. */
export interface ConfigEntryChange {
  readonly name: string;
  readonly kind: 'added' | 'changed' | 'unchanged';
  /** What differs, one line per field: `settings.port: 22 → 2222`. */
  readonly details: readonly string[];
}

/** What a configuration file changes, per section (as `rostersync config import --dry-run` prints it). */
export interface ConfigImportPlan {
  readonly sources: readonly ConfigEntryChange[];
  readonly destinations: readonly ConfigEntryChange[];
  readonly siteMaps: readonly ConfigEntryChange[];
  readonly customFormats: readonly ConfigEntryChange[];
  readonly customProfiles: readonly ConfigEntryChange[];
  /** Undefined when the file has no `notifications` (the agent's are kept). */
  readonly notifications?: ConfigEntryChange;
  /** Undefined when the file has no `settings` (the agent's are kept). */
  readonly settings?: ConfigEntryChange;
  /** Values the agent keeps because the file does not mention them. */
  readonly kept: readonly string[];
  /** Sources and destinations configured here that the file does not list: left as they are. */
  readonly notInFile: readonly string[];
  /** Sealed secrets that will be (or were) imported. */
  readonly secrets: number;
}

export interface ConfigImportResult {
  readonly plan: ConfigImportPlan;
  /** false: a dry run, nothing was changed. */
  readonly applied: boolean;
  /** Sealed secrets the file carries (imported only with the passphrase they were sealed with). */
  readonly sealedSecretsInFile: number;
  /** The plan as the CLI prints it. */
  readonly text: string;
  /** After an import: stored secrets that no longer match their re-pointed connection (type them again). */
  readonly notes: readonly string[];
}

/** A new API key: the login URL carries it in the fragment; shown once. */
export interface ApiKeyRotation {
  readonly key: string;
  readonly loginUrl: string;
}

export interface SchedulesState {
  readonly paused: boolean;
}

// ---- the calls ------------------------------------------------------------------------------

export const API = {
  // agent & dashboard
  getStatus: call<AgentStatus>()(none),
  getDashboard: call<Dashboard>()(none),
  syncNow: call<StartedRun>()(byDestination),
  approveRun: call<StartedRun>()(byRunId),
  discardRun: call<RunSummary>()(byRunId),
  /** A held run's removals named from the current source (reads the whole source: asked for per card, not polled). */
  reviewHeldRun: call<HoldReview>()(byRunId),
  /** Asks a running run to stop: it ends `cancelled`, with nothing half published (a publish already renaming is finished or undone by its journal). */
  cancelRun: call<RunSummary>()(byRunId),
  pauseSchedules: call<SchedulesState>()(none),
  resumeSchedules: call<SchedulesState>()(none),
  listConnectionTypes: call<readonly ConnectionTypeInfo[]>()(none),

  // sources
  listSources: call<readonly SourceView[]>()(none),
  getSource: call<SourceView>()(byName),
  /** `previousName`: rename (secrets move with it, destinations reading it are updated). */
  saveSource: call<SourceView>()(sourceDraft.extend({ previousName: nameSchema.optional() }).strict()),
  deleteSource: call<OkView>()(byName),
  testSource: call<CheckResultView>()(sourceDraft),
  discoverSource: call<readonly TableView[]>()(sourceDraft),
  /** Which SIS profile(s) the drafted source's schema matches (the GUI asks right after a successful test). */
  detectSource: call<DetectionView>()(sourceDraft),
  /** Every SIS profile: built-in and custom. */
  listProfiles: call<readonly ProfileView[]>()(none),
  sampleSource: call<SampleView>()(
    sourceDraft
      .extend({
        /** A table or file name as `discoverSource` lists it (`schema.table` for schemas). */
        table: z.string().min(1).optional(),
        /** An entity of the source config: its query/file is sampled. */
        entity: entitySchema.optional(),
        /** An ad-hoc read-only SELECT. */
        query: z.string().min(1).optional(),
        limit: z.number().int().min(1).max(500).default(20),
      })
      .strict()
      .refine((v) => [v.table, v.entity, v.query].filter(Boolean).length === 1, 'give exactly one of table, entity or query'),
  ),

  // destinations
  listDestinations: call<readonly DestinationView[]>()(none),
  getDestination: call<DestinationView>()(byName),
  saveDestination: call<DestinationView>()(destinationDraft),
  deleteDestination: call<OkView>()(byName),
  testDestination: call<DestinationCheckView>()(destinationDraft),
  /** The key a drafted destination's server presents now (no login); destination types with the `hostKey` capability only. */
  probeHostKey: call<HostKeyView>()(z.object({ type: destinationTypeSchema, settings: z.record(z.string(), z.unknown()) }).strict()),
  /**
   * Pins a saved destination's host key. Replacing a different trusted key needs `replacing`: the trusted
   * fingerprint the admin was shown when confirming (409 when it is not the one trusted now).
   */
  trustHostKey: call<DestinationView>()(
    z
      .object({
        destination: nameSchema,
        fingerprint: z.string().trim().min(1, 'the SHA256:… fingerprint to trust'),
        replacing: z.string().trim().min(1).optional(),
      })
      .strict(),
  ),

  // formats & mapping
  listFormats: call<readonly FormatSummary[]>()(none),
  getFormat: call<FormatDef>()(z.object({ id: z.string().min(1) }).strict()),
  suggestMapping: call<MappingSuggestions>()(
    z
      .object({
        /** The saved source to read field names from. */
        source: nameSchema,
        format: z.string().min(1),
        formatOptions: z.record(z.string(), z.union([z.boolean(), z.string()])).default({}),
        /** The destination's current mapping overrides, echoed back per column as `current`. */
        mapping: destinationConfigSchema.shape.mapping.optional(),
      })
      .strict(),
  ),
  previewMapping: call<PreviewResult>()(
    z
      .object({
        /** The destination as drafted: nothing is saved and nothing delivered. */
        config: destinationConfigSchema,
        /** A site map to use instead of the saved one. */
        siteMap: z.array(siteMapEntrySchema).optional(),
        rows: z.number().int().min(1).max(200).default(10),
        findingsLimit: z.number().int().min(1).max(5000).default(200),
        /**
         * Write every mapped row, bad ones too (with their findings), whatever the destination does
         * with bad rows: the column editor's live preview shows what a mapping produces, and a row
         * left out would hide exactly the value being fixed.
         */
        keepBadRows: z.boolean().default(false),
      })
      .strict(),
  ),

  // site map
  getSiteMap: call<readonly SiteMapEntry[]>()(byDestination),
  saveSiteMap: call<readonly SiteMapEntry[]>()(z.object({ destination: nameSchema, entries: z.array(siteMapEntrySchema) }).strict()),
  importSiteMap: call<SiteMapImportResult>()(
    z
      .object({
        destination: nameSchema,
        /** Decides the parser: `.csv` or `.xlsx`. */
        fileName: z.string().min(1),
        contentBase64: z.string(),
        /** false: parse and return the entries without saving. */
        save: z.boolean().default(true),
        /**
         * Codes that lost their leading zeros (`3` for the SIS's `003`): true pads them, false keeps
         * them as written; left out, a save is refused when there is a code to pad.
         */
        fixLeadingZeros: z.boolean().optional(),
      })
      .strict(),
  ),
  exportSiteMap: call<FileDownload>()(z.object({ destination: nameSchema, format: z.enum(['csv', 'xlsx']) }).strict()),
  unmappedSchools: call<readonly UnmappedSchool[]>()(byDestination),

  // history
  listRuns: call<readonly RunSummary[]>()(
    z
      .object({
        destination: nameSchema.optional(),
        status: z.enum(RUN_STATUSES).optional(),
        since: z.string().optional(),
        until: z.string().optional(),
        includePreviews: z.boolean().default(false),
        limit: z.number().int().min(1).max(1000).default(100),
        offset: z.number().int().min(0).default(0),
      })
      .strict(),
  ),
  getRun: call<RunDetail>()(byRunId.extend({ findingsLimit: z.number().int().min(1).max(5000).default(500) }).strict()),
  runReport: call<FileDownload>()(byRunId.extend({ format: z.enum(['json', 'csv']) }).strict()),
  /** The audit ledger by delivery (as `rostersync audit --json`): read-only. */
  listAudit: call<readonly AuditDelivery[]>()(z.object({ destination: nameSchema.optional(), since: z.string().optional() }).strict()),
  /** Which destinations' last delivery held records keyed `studentId`, when, which columns (as `rostersync audit who`). */
  whoReceived: call<readonly StudentReceipt[]>()(z.object({ studentId: z.string().trim().min(1).max(200) }).strict()),

  // settings
  getSettings: call<SettingsView>()(none),
  /** `password`: '' removes it, absent keeps it. `hasPassword` (as getSettings returns it) is accepted and ignored. */
  saveNotifications: call<SettingsView>()(
    z
      .object({
        notifications: notificationsSchema.extend({ hasPassword: z.boolean().optional(), hasWebhookUrl: z.boolean().optional() }),
        password: z.string().optional(),
        webhookUrl: z.string().regex(/^https?:\/\/\S+$/, 'an http(s) URL without spaces').optional(),
      })
      .strict(),
  ),
  sendTestEmail: call<TestEmailResult>()(z.object({ to: z.string().optional() }).strict()),
  saveGeneralSettings: call<SettingsView>()(settingsSchema),

  // configuration file & access
  /**
   * The configuration file `rostersync config export` writes. Secrets are left out unless a
   * passphrase is given (in the body, never a URL); they are then sealed with it.
   */
  exportConfig: call<FileDownload>()(z.object({ format: z.enum(['yaml', 'json']).default('yaml'), passphrase: z.string().min(1).optional() }).strict()),
  /** A configuration file checked against this agent and, unless `dryRun`, merged in (as `rostersync config import`). */
  importConfig: call<ConfigImportResult>()(
    z
      .object({
        /** Decides the parser: `.json`, else YAML; named in every problem. */
        fileName: z.string().trim().min(1).max(255),
        text: z.string().max(10 * 1024 * 1024, 'a configuration file of at most 10 MB'),
        /** The passphrase the file's secrets were sealed with. */
        passphrase: z.string().min(1).optional(),
        dryRun: z.boolean().default(true),
      })
      .strict(),
  ),
  /** Replaces the API key: every console and the tray app must sign in again; the old key is refused at once. */
  rotateApiKey: call<ApiKeyRotation>()(none),
} as const;

export type ApiContract = typeof API;
export type ApiCallName = keyof ApiContract;
/** What a client sends (defaults may be left out); readonly all the way down, so data read from the API (readonly) can be sent back as is. */
export type ApiInput<K extends ApiCallName> = DeepReadonly<z.input<ApiContract[K]['input']>>;
/** What a handler receives (validated, defaults filled). */
export type ApiParsedInput<K extends ApiCallName> = z.output<ApiContract[K]['input']>;
export type ApiOutput<K extends ApiCallName> = ApiContract[K]['output'];

/** The typed API both GUI clients implement (preload bridge and fetch client). */
export type Api = { readonly [K in ApiCallName]: (input: ApiInput<K>) => Promise<ApiOutput<K>> };

export const API_CALL_NAMES = Object.keys(API).sort() as ApiCallName[];

export function isApiCallName(name: string): name is ApiCallName {
  return Object.prototype.hasOwnProperty.call(API, name);
}

// ---- errors ---------------------------------------------------------------------------------

/** `reenter-secret`: a stored secret was saved for another server than the one asked for; it must be typed again. */
export const API_ERROR_CODES = ['bad-request', 'unauthorized', 'forbidden', 'not-found', 'conflict', 'reenter-secret', 'not-available', 'failed', 'network'] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

export const API_ERROR_STATUS: Readonly<Record<ApiErrorCode, number>> = {
  'bad-request': 400,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'reenter-secret': 409,
  'not-available': 501,
  failed: 500,
  network: 503,
};

/**
 * What a refusal is about, for a client to act on beside the message: `heldRun` when a destination
 * waits for a held run's review (syncNow refused with `conflict`) — its id, and where to review it
 * in the GUI (`reviewPath`, a fragment route) and on the command line.
 */
export interface ApiErrorDetails {
  readonly heldRun?: { readonly id: number; readonly destination: string; readonly reviewPath: string; readonly approveCommand: string; readonly discardCommand: string };
}

export interface ApiErrorBody {
  readonly error: { readonly code: ApiErrorCode; readonly message: string; readonly details?: ApiErrorDetails };
}

/** Thrown by handlers (mapped to an HTTP status) and by clients (from an error answer). */
export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: ApiErrorDetails,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function toApiErrorBody(code: ApiErrorCode, message: string, details?: ApiErrorDetails): ApiErrorBody {
  return { error: details ? { code, message, details } : { code, message } };
}

export function isApiErrorBody(value: unknown): value is ApiErrorBody {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false;
  const e = (value as { error: unknown }).error;
  return typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string' && typeof (e as { code?: unknown }).code === 'string';
}

/** The loopback HTTP paths. */
export const API_PATH_PREFIX = '/api/';
export const apiPath = (name: ApiCallName): string => `${API_PATH_PREFIX}${name}`;

/** sessionStorage key where the browser client keeps the API key taken from the `#key=` fragment. */
export const API_KEY_STORAGE = 'rostersync.apiKey';
