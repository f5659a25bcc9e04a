/**
 * The destination plug-in contract. Every place RosterSync delivers files implements
 * `DestinationDriver` and is listed in `src/destinations/registry.ts`.
 */
import type { ConnectionIdentity } from '../secrets/binding.js';
import type { z } from 'zod';
import type { Secrets } from '../sources/types.js';
import type { DestinationCheck } from '../shared/connection-check.js';
import type { DestinationCapability } from '../shared/destination-capabilities.js';

export type { DestinationCheck } from '../shared/connection-check.js';
export type { DestinationCapability, HostKeyCheck } from '../shared/destination-capabilities.js';

/** Destination state key (store.setDestinationState) of the `hostKey` capability: the fingerprint the server presented last. */
export const HOST_KEY_SEEN_STATE = 'seenFingerprint';

/** One generated file ready for delivery (already complete and hashed in the run's staging folder). */
export interface StagedFile {
  readonly name: string;
  readonly localPath: string;
  readonly bytes: number;
  readonly sha256: string;
  /** Delivery order, lower first. */
  readonly order: number;
  /**
   * The file that tells a reader the set is complete (OneRoster's manifest.csv, a trigger file): it is
   * put in place after every data file, and the previous one is withdrawn before the first data file moves.
   */
  readonly marker?: boolean;
}

export interface DeliveredFile {
  readonly name: string;
  readonly remotePath: string;
  readonly bytes: number;
  readonly durationMs: number;
  readonly attempts: number;
}

export interface DeliveryReceipt {
  readonly files: readonly DeliveredFile[];
  readonly message: string;
}

export interface DeliveryContext {
  readonly signal?: AbortSignal;
  /** The destination's configured name, for messages such as `rostersync destination trust NAME`. */
  readonly destinationName?: string;
  /** ` --home DIR` when the data folder is not the default ('' otherwise), so printed follow-up commands work as printed. */
  readonly homeArgs?: string;
  /** Run time, for date tokens in file names. */
  readonly now: Date;
  /** Progress and retries, written to the run's event log. */
  log(level: 'info' | 'warn' | 'error', message: string): void;
  /** Persist destination state the driver learns (e.g. the host-key fingerprint seen). */
  remember?(key: string, value: string): void;
  /**
   * The set delivered last time: each file's name and final path (as its receipt named it). Files
   * whose name the new set does not have are removed before its marker appears, so a reader never
   * takes last night's demographics.csv for tonight's. A file the new set has again under another
   * final path (a date in the name pattern) is left to the vendor, as every dated upload is.
   */
  readonly previousSet?: readonly PreviousFile[];
  /** The publishing journal (src/pipeline/publish-journal.ts): what the driver is about to do, recorded first. */
  readonly journal?: PublishJournal;
}

export interface PreviousFile {
  readonly name: string;
  readonly path: string;
}

/**
 * One file's move into place: `temp` (complete and verified) renamed over `final`. `temp === final`
 * for a driver that uploads straight to the final name (SFTP without atomicRename).
 */
export interface PublishStep {
  readonly name: string;
  readonly temp: string;
  readonly final: string;
  readonly bytes: number;
  readonly sha256: string;
}

/**
 * Everything a publish changes under final names, in the order it changes it: `withdraw` (the previous
 * marker) removed, the data steps renamed, `stale` removed, the marker steps renamed. Journaled before
 * the first change, so a killed process can be rolled forward or back at the next start.
 */
export interface PublishPlan {
  readonly withdraw: readonly string[];
  readonly data: readonly PublishStep[];
  readonly stale: readonly string[];
  readonly markers: readonly PublishStep[];
  /** A local staging folder to delete once the plan has run or been rolled back (folder destination). */
  readonly workDir?: string;
}

export interface PublishJournal {
  /** Temporaries are about to be created in `workDir` (swept at the next start if the process dies now). */
  staging(workDir: string): void;
  /** Every temporary is complete and verified; nothing has changed under a final name yet. */
  publishing(plan: PublishPlan): void;
}

export type RecoveryOutcome = 'rolled-forward' | 'rolled-back';

export interface RecoveryResult {
  readonly outcome: RecoveryOutcome;
  /** What was done, for the run's history and the audit ledger. */
  readonly message: string;
}

/**
 * A driver's answer to a test: the screens' DestinationCheck and, when it failed, the DeliveryError
 * code, which the API turns into the answer's `error` (src/api/handlers/connection-failure.ts).
 */
export interface DriverCheck extends DestinationCheck {
  readonly code?: DeliveryError['code'];
}

export interface CheckOptions {
  /**
   * The caller offers to trust the presented host key beside the result (the GUI): a host-key refusal
   * then asks to compare the fingerprint and names no command to run.
   */
  readonly trustInPlace?: boolean;
  /** The destination's configured name, for messages such as `rostersync destination trust NAME`. */
  readonly destinationName?: string;
  /** ` --home DIR` when the data folder is not the default ('' otherwise), so printed follow-up commands work as printed. */
  readonly homeArgs?: string;
  readonly signal?: AbortSignal;
}

/** One way to sign in (Airbyte's `oneOf` per auth method): the value of the choosing setting and the secrets it uses. */
export interface AuthMethod {
  readonly value: string;
  readonly title: string;
  readonly secretFields: readonly string[];
}

export interface DestinationDriver<Settings = Record<string, unknown>> {
  readonly id: string;
  readonly displayName: string;
  /** What it can do (src/shared/destination-capabilities.ts); each flag matches what the driver implements. */
  readonly capabilities: readonly DestinationCapability[];
  readonly settingsSchema: z.ZodType<Settings>;
  /** Every secret field any sign-in method uses (stored sealed, never in settings). */
  readonly secretFields: readonly string[];
  /** Drivers with more than one way to sign in: the setting that chooses, and the secrets of each method. */
  readonly authMethods?: { readonly setting: keyof Settings & string; readonly methods: readonly AuthMethod[] };
  /**
   * The server a stored secret is bound to (src/secrets/binding.ts): a stored secret is only sent
   * where this identity is the one it was saved for. Drivers with secret fields must give it.
   */
  connectionIdentity?(settings: Settings): ConnectionIdentity;
  /** The settings that make up the identity, so forms can say a secret must be typed again when they change. */
  readonly identityFields?: readonly string[];
  check(settings: Settings, secrets: Secrets, options?: CheckOptions): Promise<DriverCheck>;
  /** The `hostKey` capability: what the server presents now (no login), the pinned fingerprint, settings pinning another. */
  readonly hostKey?: {
    /** Needs only the settings that locate the server; the rest may be missing (a form being filled in). */
    probe(settings: Partial<Settings>): Promise<{ readonly fingerprint: string; readonly keyType: string }>;
    /** The setting holding the pinned fingerprint: set by trusting a key, never typed in a form. */
    readonly setting: keyof Settings & string;
    pinned(settings: Settings): string;
    pin(settings: Settings, fingerprint: string): Settings;
  };
  /** The `localFolder` capability: folders on this machine the destination writes (a service install grants the service account access). */
  localWritePaths?(settings: Settings): readonly string[];
  /**
   * Settings the agent learns after set-up (a pinned host key): a re-imported configuration file
   * that does not mention them keeps the stored values instead of dropping them.
   */
  readonly keptOnReimport?: readonly (keyof Settings & string)[];
  /** Deliver every file or fail: no file may appear half-written under its final name. */
  deliver(settings: Settings, secrets: Secrets, files: readonly StagedFile[], context: DeliveryContext): Promise<DeliveryReceipt>;
  /**
   * Optional: a delivery that takes each file as soon as it is written, while the run still reads
   * (undefined when these settings do not allow it). Nothing appears under a final name before
   * `publish`.
   */
  openStaging?(settings: Settings, secrets: Secrets, context: DeliveryContext): StagingDelivery | undefined;
  /**
   * Finishes or undoes a publish whose process died (its journaled plan): rolled forward when every
   * temporary is still there and complete, else rolled back (temporaries and the new set's placed
   * files removed). Rejects when the destination cannot be reached; the journal then stays open.
   */
  recover(settings: Settings, secrets: Secrets, plan: PublishPlan, context: DeliveryContext): Promise<RecoveryResult>;
}

/** A delivery in two steps: files go to temporary names during the run, and into place once the run may deliver. */
export interface StagingDelivery {
  /** Uploads a complete file under a temporary name nobody picks up. Never rejects: a file that failed here is uploaded again by `publish`. */
  stage(file: StagedFile): Promise<void>;
  /** Moves the files into place in delivery order (uploading any not staged): the receipt and errors of `deliver`. */
  publish(files: readonly StagedFile[]): Promise<DeliveryReceipt>;
  /** Deletes every temporary (a held or failed run) and disconnects. Never rejects. */
  discard(): Promise<void>;
}

export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly code: 'unreachable' | 'auth' | 'host-key' | 'permission' | 'missing-folder' | 'io' | 'verify' | 'timeout' | 'config',
    /** Files delivered before the failure. */
    readonly delivered: readonly DeliveredFile[] = [],
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}
