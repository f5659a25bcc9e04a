/**
 * The `rostersync` command line, driven through its entry point with captured output:
 * demo, history, config export/import (secrets never in clear), site map files, exit codes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { main } from '../../src/cli/main.js';
import { openAgent, closeAgent, saveSecrets, destinationSecretOwner, loadSecrets } from '../../src/home/context.js';
import { spawnCli } from '../helpers/child-process.js';

const home = mkdtempSync(join(tmpdir(), 'rs-cli-'));
const SECRET = 'S3cret-Pa55-for-cli-test';

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['node', 'rostersync', '--home', home, ...args], { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) });
  return { code, out, err };
}

beforeAll(async () => {
  const demo = await cli('demo');
  expect(demo.err).toContain('Demo district');
  expect(demo.code).toBe(0);
});
afterAll(() => {
  process.exitCode = 0;
});

describe('rostersync CLI', () => {
  it('demo produces the OneRoster files and a success run in history', async () => {
    for (const f of ['manifest.csv', 'orgs.csv', 'users.csv', 'enrollments.csv']) expect(existsSync(join(home, 'outbox', f))).toBe(true);
    const history = await cli('--json', 'history');
    const runs = JSON.parse(history.out) as { id: number; status: string; trigger: string }[];
    expect(runs[0]).toMatchObject({ status: 'success', trigger: 'cli' });
    const text = await cli('history');
    expect(text.out).toMatch(/demo-outbox\s+cli\s+success/);
  });

  it('history show prints files, diff and the log of a run', async () => {
    const { out, code } = await cli('history', 'show', '1');
    expect(code).toBe(0);
    expect(out).toMatch(/Run 1 — demo-outbox — SUCCESS/);
    expect(out).toMatch(/users\.csv\s+\d+/);
    expect(out).toContain('Log:');
    expect((await cli('history', 'show', '999')).code).toBe(2);
    expect((await cli('history', 'show', 'abc')).err).toMatch(/positive whole number/);
  });

  it('running demo twice is safe and records a second run', async () => {
    expect((await cli('demo')).code).toBe(0);
    const runs = JSON.parse((await cli('--json', 'history')).out) as unknown[];
    expect(runs.length).toBeGreaterThanOrEqual(2);
  });

  it('exports the configuration without secrets, and with secrets only sealed by a passphrase', async () => {
    const ctx = openAgent(home);
    saveSecrets(ctx, destinationSecretOwner('demo-outbox'), { password: SECRET });
    closeAgent(ctx);
    const file = join(home, 'config.yaml');
    expect((await cli('config', 'export', file)).code).toBe(0);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(SECRET);
    const parsed = YAML.parse(text);
    expect(parsed.version).toBe(1);
    expect(parsed.destinations[0].name).toBe('demo-outbox');
    expect(parsed.siteMaps['demo-outbox'].length).toBeGreaterThanOrEqual(3);
    expect(parsed.secrets).toBeUndefined();

    process.env.RS_TEST_PASSPHRASE = 'horse battery 42';
    const sealedFile = join(home, 'sealed.json');
    expect((await cli('config', 'export', sealedFile, '--with-secrets', '--passphrase-env', 'RS_TEST_PASSPHRASE')).code).toBe(0);
    const sealed = readFileSync(sealedFile, 'utf8');
    expect(sealed).not.toContain(SECRET);
    expect(JSON.parse(sealed).secrets[0].sealed).toMatch(/^p1:/);

    // import into a fresh home restores config and the secret
    const other = mkdtempSync(join(tmpdir(), 'rs-cli-other-'));
    const refused = await main(['node', 'rostersync', '--home', other, 'config', 'import', sealedFile, '--passphrase-env', 'RS_NOT_SET'], { out: () => undefined, err: () => undefined });
    expect(refused).toBe(2);
    const ok = await main(['node', 'rostersync', '--home', other, 'config', 'import', sealedFile, '--passphrase-env', 'RS_TEST_PASSPHRASE'], { out: () => undefined, err: () => undefined });
    expect(ok).toBe(0);
    const ctx2 = openAgent(other);
    expect(ctx2.store.getDestination('demo-outbox')?.format).toBe('oneroster-1.1');
    expect(loadSecrets(ctx2, destinationSecretOwner('demo-outbox'), ['password']).password).toBe(SECRET);
    closeAgent(ctx2);
  });

  it('takes passphrases from an environment variable or standard input, never argv, and only strong ones', async () => {
    const argv = await cli('config', 'export', join(home, 'x.yaml'), '--with-secrets', '--passphrase', 'horse battery 42');
    expect(argv.code).toBe(2);
    expect(argv.err).toContain('--passphrase is refused: any user of this machine can read a command line in the process list.');
    expect(existsSync(join(home, 'x.yaml'))).toBe(false);
    expect((await cli('config', 'import', join(home, 'sealed.json'), '--passphrase', 'horse battery 42')).err).toContain('--passphrase is refused');

    process.env.RS_WEAK = 'a';
    const weak = await cli('config', 'export', join(home, 'x.yaml'), '--with-secrets', '--passphrase-env', 'RS_WEAK');
    expect(weak.code).toBe(2);
    expect(weak.err).toContain('--with-secrets: the passphrase has 1 characters; it needs at least 12 characters, of at least two kinds (lower-case letters, upper-case letters, digits, other characters).');
    process.env.RS_WEAK = 'aaaaaaaaaaaaaaaaaaaa';
    expect((await cli('config', 'export', join(home, 'x.yaml'), '--with-secrets', '--passphrase-env', 'RS_WEAK')).err).toMatch(/one kind of character/);

    // standard input, in a real second process (as a password manager would pipe it)
    const piped = join(home, 'piped.json');
    const exporter = spawnCli(['--home', home, 'config', 'export', piped, '--with-secrets']);
    exporter.child.stdin!.end('Piped-passphrase-77\n');
    const exported = await exporter.exited;
    expect(exported.stderr).toContain('secrets sealed with the passphrase');
    expect(exported.code).toBe(0);
    const other = mkdtempSync(join(tmpdir(), 'rs-cli-piped-'));
    const importer = spawnCli(['--home', other, 'config', 'import', piped]);
    importer.child.stdin!.end('Piped-passphrase-77\n');
    expect((await importer.exited).code).toBe(0);
    const ctx = openAgent(other);
    expect(loadSecrets(ctx, destinationSecretOwner('demo-outbox'), ['password']).password).toBe(SECRET);
    closeAgent(ctx);
  });

  it('rejects a bad configuration file with the path of the problem', async () => {
    const bad = join(home, 'bad.yaml');
    writeFileSync(bad, 'version: 1\ndestinations:\n  - name: x\n    source: s\n    format: oneroster-1.1\n    type: ftp\n');
    const { code, err } = await cli('config', 'import', bad);
    expect(code).toBe(2);
    expect(err).toMatch(/bad\.yaml: destinations\[0\]\.type/);
  });

  it('prints the JSON Schema of the config file', async () => {
    const schema = JSON.parse((await cli('config', 'schema')).out);
    expect(schema.properties.destinations).toBeDefined();
  });

  it('exports and imports the site map as CSV, with row-precise errors', async () => {
    const csv = (await cli('sitemap', 'export')).out;
    expect(csv.split('\r\n')[0]).toBe('school_code,site_id,label');
    const file = join(home, 'sites.csv');
    writeFileSync(file, 'School Code,Site ID,Label\r\n001,A-1,One\r\n001,A-2,Dup\r\n');
    const dup = await cli('sitemap', 'import', file);
    expect(dup.code).toBe(2);
    expect(dup.err).toContain('sites.csv row 3: school code 001 already appears on row 2.');
    writeFileSync(file, csv);
    expect((await cli('sitemap', 'import', file)).code).toBe(0);
  });

  it('tests the demo source and lists destinations', async () => {
    const test = await cli('source', 'test', 'demo-sis');
    expect(test.out).toMatch(/^OK/);
    expect((await cli('destination', 'list')).out).toContain('demo-outbox');
    const unknown = await cli('run', 'nope');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/No destination named "nope"/);
  });

  it('exits non-zero when a run fails', async () => {
    const ctx = openAgent(home);
    const s = ctx.store.getSource('demo-sis')!;
    ctx.store.saveSource({ ...s, entities: { ...s.entities, schools: { query: 'SELECT nonsense FROM schools' } } });
    closeAgent(ctx);
    const failed = await cli('run', 'demo-outbox');
    expect(failed.code).toBe(1);
    expect(failed.out).toMatch(/FAILED/);
    const ctx2 = openAgent(home);
    ctx2.store.saveSource(s);
    closeAgent(ctx2);
  });
});
