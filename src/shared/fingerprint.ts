/**
 * SSH host-key fingerprints as `ssh-keygen -l` prints them (`SHA256:` + unpadded base64), for the
 * `hostKey` destination capability: pure, shared by the drivers, the API and the GUI.
 */

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
