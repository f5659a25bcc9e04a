/**
 * What a destination can do, as data the agent, the CLI and the GUI read instead of asking which driver
 * it is (rclone's fs/features.go). The driver declares them in its descriptor (src/destinations/registry.ts);
 * test/unit/destination-descriptors.test.ts checks each flag against what the driver implements.
 */
export const DESTINATION_CAPABILITIES = ['hostKey', 'staging', 'atomicSwap', 'remoteListing', 'localFolder'] as const;

/**
 * - `hostKey`: the server proves its identity with a host key the admin trusts (probe, pin, last seen).
 * - `staging`: files can go to temporary names while the run still reads, and into place after the guard.
 * - `atomicSwap`: a file appears under its final name only complete (temporary name, then rename).
 * - `remoteListing`: the driver lists the target folder (leftover temporaries swept, stale files removed).
 * - `localFolder`: it writes a folder on this machine (a service install grants the service account access).
 */
export type DestinationCapability = (typeof DESTINATION_CAPABILITIES)[number];

/** A connection test's view of the host key: what the server presented against what is trusted. */
export type HostKeyCheck =
  | { readonly status: 'trusted' | 'unknown'; readonly presented: string; readonly keyType: string }
  | { readonly status: 'changed'; readonly presented: string; readonly keyType: string; readonly trusted: string };

/** The `hostKey` capability's state of a saved destination. */
export interface HostKeyState {
  /** The pinned fingerprint ('' = none trusted yet). */
  readonly trusted: string;
  /** The fingerprint the server presented at the last run or test (may differ from the trusted one). */
  readonly lastSeen: string | null;
}
