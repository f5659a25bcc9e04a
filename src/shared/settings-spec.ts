/**
 * Reading a driver's published settings schema (src/destinations/registry.ts `describeDestination`) the way
 * a form does: which properties are secrets, and which secrets the chosen sign-in method uses. Pure.
 */

/** JSON Schema keyword marking a secret property (Airbyte's `airbyte_secret`): write-only, stored sealed, never in settings. */
export const SECRET_KEYWORD = 'x-secret';

interface SchemaProperty {
  readonly const?: unknown;
  readonly default?: unknown;
  readonly [SECRET_KEYWORD]?: boolean;
}

interface SettingsSpec {
  readonly properties?: Readonly<Record<string, SchemaProperty>>;
  readonly oneOf?: readonly { readonly title?: string; readonly properties?: Readonly<Record<string, SchemaProperty>> }[];
}

function secretsOf(properties: Readonly<Record<string, SchemaProperty>> | undefined): string[] {
  return Object.entries(properties ?? {})
    .filter(([, prop]) => prop[SECRET_KEYWORD] === true)
    .map(([name]) => name);
}

/**
 * The secret fields the settings' sign-in method uses: the `oneOf` branch whose `const` matches the
 * settings (an unset choice takes its default), or every secret property when there is no choice.
 */
export function secretsInUse(schema: unknown, settings: Readonly<Record<string, unknown>>): string[] {
  const spec = (schema ?? {}) as SettingsSpec;
  if (!spec.oneOf) return secretsOf(spec.properties);
  const branch = spec.oneOf.find((b) =>
    Object.entries(b.properties ?? {}).every(([name, prop]) => prop.const === undefined || (settings[name] ?? spec.properties?.[name]?.default) === prop.const),
  );
  return secretsOf(branch?.properties);
}
