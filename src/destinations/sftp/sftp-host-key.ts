/**
 * Host-key pinning: the SHA256 fingerprint exactly as `ssh-keygen -l` prints it, and the decision
 * whether a presented key may be talked to.
 */
import { createHash } from 'node:crypto';

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

/**
 * Normalize what an admin pasted: accepts `SHA256:abc…`, `abc…`, a full `ssh-keygen -l` line
 * (`256 SHA256:abc… comment (ED25519)`), trailing `=` padding. Returns '' for empty input.
 */
export function normalizeFingerprint(input: string): string {
  const trimmed = input.trim();
  if (trimmed === '') return '';
  const inLine = /SHA256:([A-Za-z0-9+/]+=*)/.exec(trimmed);
  const body = inLine ? inLine[1] : trimmed.replace(/^sha256:/i, '');
  return `SHA256:${body.replace(/=+$/, '')}`;
}

/** True when the text looks like a SHA256 fingerprint (43 base64 characters for a 32-byte digest). */
export function isFingerprint(input: string): boolean {
  return /^SHA256:[A-Za-z0-9+/]{43}$/.test(normalizeFingerprint(input));
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

/** The admin-facing refusal for an unknown or changed host key. */
export function hostKeyRefusal(decision: Exclude<HostKeyDecision, { kind: 'trusted' }>, where: string, destinationName?: string, homeArgs = ''): string {
  const seen = `${decision.presented.fingerprint} (${keyTypeLabel(decision.presented.keyType)})`;
  switch (decision.kind) {
    case 'unknown':
      return (
        `The SFTP server ${where} is not trusted yet: its host key fingerprint is ${seen}. ` +
        `Compare it with the fingerprint the vendor gave you, then run: ${trustCommand(destinationName, homeArgs)}`
      );
    case 'mismatch':
      return (
        `The SFTP server ${where} presented a different host key: expected ${decision.trusted}, got ${seen}. ` +
        `Nothing was uploaded. This happens when the vendor replaced its server, or when another server answers in its place. ` +
        `Confirm the new fingerprint with the vendor, then run: ${trustCommand(destinationName, homeArgs)}`
      );
    default: {
      const unreachable: never = decision;
      return unreachable;
    }
  }
}
