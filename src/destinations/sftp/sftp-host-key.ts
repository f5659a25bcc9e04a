/**
 * Host-key pinning: the SHA256 fingerprint exactly as `ssh-keygen -l` prints it, and the decision
 * whether a presented key may be talked to.
 */
import { createHash } from 'node:crypto';
import { normalizeFingerprint } from '../../shared/fingerprint.js';

export interface HostKeyInfo {
  /** `SHA256:` + unpadded base64 of the SHA-256 of the public key blob. */
  readonly fingerprint: string;
  /** SSH key type from the blob, e.g. `ssh-ed25519`, `ssh-rsa`, `ecdsa-sha2-nistp256`. */
  readonly keyType: string;
}

/** Fingerprint and type of a raw SSH public key blob (what the server sends in the key exchange). */
export function hostKeyInfo(blob: Buffer): HostKeyInfo {
  const fingerprint = `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
  let keyType = 'unknown';
  if (blob.length >= 4) {
    const len = blob.readUInt32BE(0);
    if (len > 0 && len < 64 && blob.length >= 4 + len) keyType = blob.subarray(4, 4 + len).toString('latin1');
  }
  return { fingerprint, keyType };
}

/** `ED25519`, `RSA`, `ECDSA` — the label `ssh-keygen -l` puts in brackets. */
export function keyTypeLabel(keyType: string): string {
  if (keyType === 'ssh-ed25519') return 'ED25519';
  if (keyType === 'ssh-rsa') return 'RSA';
  if (keyType.startsWith('ecdsa-')) return 'ECDSA';
  if (keyType === 'ssh-dss') return 'DSA';
  return keyType;
}

export type HostKeyDecision =
  | { readonly kind: 'trusted'; readonly presented: HostKeyInfo }
  | { readonly kind: 'unknown'; readonly presented: HostKeyInfo }
  | { readonly kind: 'mismatch'; readonly presented: HostKeyInfo; readonly trusted: string };

export function decideHostKey(trustedFingerprint: string, presented: HostKeyInfo): HostKeyDecision {
  const trusted = normalizeFingerprint(trustedFingerprint);
  if (trusted === '') return { kind: 'unknown', presented };
  if (trusted === presented.fingerprint) return { kind: 'trusted', presented };
  return { kind: 'mismatch', presented, trusted };
}

export function trustCommand(destinationName: string | undefined, homeArgs = ''): string {
  if (!destinationName || destinationName.trim() === '') return `rostersync destination trust <destination name>${homeArgs}`;
  return `rostersync destination trust ${/[\s"'$`\\]/.test(destinationName) ? JSON.stringify(destinationName) : destinationName}${homeArgs}`;
}

/**
 * How the admin is told to trust a key: a command to run (CLI, run logs, mails), or nothing to run
 * because the screen showing the refusal offers "Trust this key" beside it (the GUI's connection test).
 */
export type TrustAdvice =
  | { readonly via: 'command'; readonly destinationName?: string; readonly homeArgs?: string }
  | { readonly via: 'in-place' };

/** The admin-facing refusal for an unknown or changed host key. */
export function hostKeyRefusal(decision: Exclude<HostKeyDecision, { kind: 'trusted' }>, where: string, advice: TrustAdvice): string {
  const seen = `${decision.presented.fingerprint} (${keyTypeLabel(decision.presented.keyType)})`;
  const then = advice.via === 'command' ? `, then run: ${trustCommand(advice.destinationName, advice.homeArgs)}` : ' before trusting it.';
  switch (decision.kind) {
    case 'unknown':
      return `The SFTP server ${where} is not trusted yet: its host key fingerprint is ${seen}. ` + `Compare it with the fingerprint the vendor gave you${then}`;
    case 'mismatch':
      return (
        `The SFTP server ${where} presented a different host key: expected ${decision.trusted}, got ${seen}. ` +
        `Nothing was uploaded. This happens when the vendor replaced its server, or when another server answers in its place. ` +
        `Confirm the new fingerprint with the vendor${then}`
      );
    default: {
      const unreachable: never = decision;
      return unreachable;
    }
  }
}
