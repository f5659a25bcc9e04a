/**
 * Which stored secrets a connection form must ask for again: a secret stays with the server it was
 * saved for (src/secrets/binding.ts), so once a draft changes one of the driver's identity settings
 * (host, port, database, SFTP user…), the agent refuses to use the stored value until it is typed
 * again. Pure, for the renderer.
 */

/** Setting values as compared: absent means the schema default; host names without case. */
function identityValue(field: string, settings: Readonly<Record<string, unknown>>, defaults: Readonly<Record<string, unknown>>): string {
  const value = settings[field] ?? defaults[field];
  const text = value === undefined || value === null ? '' : String(value).trim();
  return field === 'host' ? text.toLowerCase() : text;
}

/**
 * Stored secret fields (with the connection each was saved for) that the draft may not use:
 * an identity setting differs from the saved configuration and no new value was typed.
 */
export function secretsToReenter(options: {
  readonly identityFields: readonly string[];
  readonly defaults: Readonly<Record<string, unknown>>;
  readonly saved: Readonly<Record<string, unknown>> | undefined;
  readonly draft: Readonly<Record<string, unknown>>;
  readonly savedFor: Readonly<Record<string, string>>;
  readonly typed: Readonly<Record<string, string>>;
}): Record<string, string> {
  const { identityFields, defaults, saved, draft, savedFor, typed } = options;
  if (!saved) return {};
  const moved = identityFields.some((f) => identityValue(f, saved, defaults) !== identityValue(f, draft, defaults));
  if (!moved) return {};
  return Object.fromEntries(Object.entries(savedFor).filter(([field]) => typed[field] === undefined));
}
