/**
 * Every registered destination's descriptor (src/destinations/registry.ts): its published settings
 * schema accepts its own defaults, marks every secret (and only secrets) in a sign-in `oneOf` branch,
 * and its capability flags match what the driver implements. And no driver name leaks where the
 * descriptor should decide: renderer/, src/api/, electron/ and the layers above the plug-ins.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { describeDestination, listDestinationDrivers } from '../../src/destinations/registry.js';
import { listSourceDrivers } from '../../src/sources/registry.js';
import { DESTINATION_CAPABILITIES } from '../../src/shared/destination-capabilities.js';
import { SECRET_KEYWORD, secretsInUse } from '../../src/shared/settings-spec.js';

interface Prop {
  readonly default?: unknown;
  readonly const?: unknown;
  readonly enum?: readonly unknown[];
  readonly readOnly?: boolean;
  readonly writeOnly?: boolean;
  readonly [SECRET_KEYWORD]?: boolean;
}
interface Spec {
  readonly properties: Record<string, Prop>;
  readonly required?: readonly string[];
  readonly oneOf?: readonly { readonly title: string; readonly properties: Record<string, Prop> }[];
}

const drivers = listDestinationDrivers();

describe.each(drivers.map((d) => [d.id, d] as const))('destination descriptor %s', (_id, driver) => {
  const descriptor = describeDestination(driver);
  const spec = descriptor.settingsSchema as unknown as Spec;

  it('publishes a settings schema whose defaults the driver accepts as they are', () => {
    expect(spec).not.toBeNull();
    const defaults = Object.fromEntries(Object.entries(spec.properties).flatMap(([name, p]) => (p.default === undefined ? [] : [[name, p.default]])));
    const parsed = driver.settingsSchema.safeParse(defaults);
    // Only settings the admin must give (required, no default) may be missing; every default is kept as published.
    const issues = parsed.success ? [] : parsed.error.issues;
    const mustGive = (spec.required ?? []).filter((name) => spec.properties[name]?.default === undefined);
    expect(issues.filter((i) => !(i.path.length === 1 && mustGive.includes(String(i.path[0]))))).toEqual([]);
    if (mustGive.length === 0) expect(parsed.success).toBe(true);
    const filler = Object.fromEntries(mustGive.map((name) => [name, 'x']));
    const full = driver.settingsSchema.safeParse({ ...defaults, ...filler });
    if (full.success) for (const [name, value] of Object.entries(defaults)) expect((full.data as Record<string, unknown>)[name]).toEqual(value);
  });

  it('marks every secret field as a write-only secret, only inside the sign-in method that uses it', () => {
    for (const [name, prop] of Object.entries(spec.properties)) {
      if (prop[SECRET_KEYWORD]) expect(driver.secretFields).toContain(name);
    }
    const marked = new Set<string>();
    if (driver.authMethods) {
      const choice = spec.properties[driver.authMethods.setting];
      expect(spec.oneOf?.map((b) => b.properties[driver.authMethods!.setting]?.const)).toEqual(choice?.enum);
      expect(choice?.enum).toContain(choice?.default);
      for (const branch of spec.oneOf ?? []) {
        for (const [name, prop] of Object.entries(branch.properties)) {
          if (name === driver.authMethods.setting) continue;
          expect(prop).toMatchObject({ writeOnly: true, [SECRET_KEYWORD]: true });
          marked.add(name);
        }
      }
      // A form reading the schema shows exactly the chosen method's secrets (the default method when none is chosen).
      for (const method of driver.authMethods.methods) expect(secretsInUse(spec, { [driver.authMethods.setting]: method.value })).toEqual(method.secretFields);
      expect(secretsInUse(spec, {})).toEqual(driver.authMethods.methods.find((m) => m.value === choice?.default)?.secretFields);
    } else {
      for (const name of driver.secretFields) marked.add(name);
      expect(secretsInUse(spec, {})).toEqual(driver.secretFields);
    }
    expect([...marked].sort()).toEqual([...driver.secretFields].sort());
    // Secrets never sit among the settings a form renders as settings.
    for (const name of driver.secretFields) expect(spec.properties[name] === undefined || spec.properties[name]?.writeOnly === true).toBe(true);
  });

  it('declares exactly the capabilities it implements', () => {
    for (const c of driver.capabilities) expect(DESTINATION_CAPABILITIES).toContain(c);
    expect(driver.capabilities.includes('hostKey')).toBe(driver.hostKey !== undefined);
    expect(driver.capabilities.includes('staging')).toBe(driver.openStaging !== undefined);
    expect(driver.capabilities.includes('localFolder')).toBe(driver.localWritePaths !== undefined);
    if (driver.hostKey) {
      expect(descriptor.hostKeySetting).toBe(driver.hostKey.setting);
      // The pinned key is set by trusting, never typed: read-only in the published schema.
      expect(spec.properties[driver.hostKey.setting]?.readOnly).toBe(true);
    } else {
      expect(descriptor.hostKeySetting).toBeUndefined();
    }
  });
});

describe('no driver names where descriptors decide', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const ids = [...new Set([...listDestinationDrivers(), ...listSourceDrivers()].map((d) => d.id))];
  const names = ids.join('|');
  const literal = new RegExp(`(['"\`])(${names})\\1`);
  /** A branch on a driver id: `=== 'sftp'`, `'folder' !==`, `.includes('folder')`, `case 'sqlite':`. */
  const branch = new RegExp(`[!=]==\\s*(['"])(${names})\\1|(['"])(${names})\\3\\s*[!=]==|includes\\((['"])(${names})\\5\\)|case (['"])(${names})\\7`);

  function files(dir: string): string[] {
    return readdirSync(join(root, dir)).flatMap((name) => {
      const path = join(dir, name);
      if (statSync(join(root, path)).isDirectory()) return files(path);
      return /\.(ts|tsx)$/.test(name) ? [path] : [];
    });
  }

  /** `file:line: text` for every line matching `pattern` in the files under `dirs`. */
  function hits(dirs: readonly string[], pattern = literal): string[] {
    return dirs.flatMap((dir) =>
      files(dir).flatMap((file) =>
        readFileSync(join(root, file), 'utf8')
          .split('\n')
          .flatMap((line, i) => (pattern.test(line) && !/^\s*(\*|\/\/)/.test(line) ? [`${relative(root, join(root, file))}:${i + 1}: ${line.trim()}`] : [])),
      ),
    );
  }

  it(`finds the ids it looks for (${ids.join(', ')})`, () => {
    expect(ids).toEqual(expect.arrayContaining(['sftp', 'folder', 'postgres']));
    expect(hits(['src/destinations/sftp'])).not.toEqual([]);
  });

  it('the GUI, the API and the tray app branch on capabilities, not on driver ids', () => {
    expect(hits(['renderer/src', 'src/api', 'electron'])).toEqual([]);
  });

  it('the agent, the pipeline, the scheduler and the CLI ask drivers for capabilities instead of comparing ids', () => {
    expect(hits(['src/agent', 'src/pipeline', 'src/scheduler', 'src/notify', 'src/cli', 'src/home'], branch)).toEqual([]);
    for (const wrong of ["if (config.type === 'sftp')", "source.type !== 'folder'", "engines.includes('folder')", "case 'postgres':"]) expect(branch.test(wrong)).toBe(true);
    expect(branch.test("type: 'folder',")).toBe(false);
  });
});
