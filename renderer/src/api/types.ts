/**
 * The renderer's view of the agent API: one typed `Api` interface derived from the contract
 * (src/shared/api.contract.ts). Two implementations: the Electron preload bridge (`window.api`)
 * and the browser fetch client (src/shared/api-client.ts, shared with the tray app). Screens depend on `Api` only.
 */
import type { Api as ApiInterface } from '../../../src/shared/api.contract.js';
import type { LiveFeed } from '../../../src/shared/live-feed.js';

export type {
  Api,
  ApiCallName,
  ApiInput,
  ApiOutput,
  ApiErrorCode,
  AgentState,
  AgentStatus,
  CheckResultView,
  ColumnSuggestion,
  ConnectionTypeInfo,
  Dashboard,
  DashboardDestination,
  DestinationCheckView,
  DetectionView,
  DestinationStatus,
  DestinationView,
  FieldCandidate,
  FileDownload,
  FormatSummary,
  HeldRun,
  HostKeyView,
  MappingSuggestions,
  NotificationsView,
  OkView,
  PreviewFile,
  PreviewResult,
  ProfileView,
  SampleView,
  SchedulesState,
  SecretsSet,
  SecretsSavedFor,
  SettingsView,
  SiteMapImportResult,
  SourceView,
  StartedRun,
  TableView,
  TestEmailResult,
  UnmappedSchool,
} from '../../../src/shared/api.contract.js';
export { API_CALL_NAMES, ApiError, isApiCallName } from '../../../src/shared/api.contract.js';
export type { LiveFeed, LiveFeedState } from '../../../src/shared/live-feed.js';
export type { LiveEvent, RunStage } from '../../../src/shared/api.contract.js';
export type { RunDetail, RunSummary, RunStatus, Finding, FileDiff, RunFileRecord, RunEvent } from '../../../src/shared/run.js';
export type { DestinationConfig, SourceConfig, SiteMapEntry, NotificationsConfig } from '../../../src/shared/config.schema.js';
export type { FormatDef, FileDef, ColumnDef, ColumnMapping, Entity, FormatOption } from '../../../src/shared/format.js';
export type { SisProfile, ProfileEntity } from '../../../src/shared/sis-profile.js';

/** In Electron the preload exposes the same interface as `window.api`. */
declare global {
  interface Window {
    api?: ApiInterface;
    /** The run events, forwarded by the tray app's main process from the agent's /api/events. */
    liveEvents?: LiveFeed;
  }
}
