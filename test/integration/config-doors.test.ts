/**
 * One validator at every door: a corpus of bad configuration values goes through `rostersync config
 * import` (a real child process: exit 2, the message names the path), the local API over loopback
 * HTTP (400 naming the same field) and the store's save (throws) — and all three report the same
 * problem in the same words. Then re-import: what changes is shown (and --dry-run changes nothing),
 * and a pinned host key, site maps and notification settings the file does not mention are kept.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { closeAgent, openAgent, type AgentContext } from '../../src/home/context.js';
import { startApiServer, type ApiServer } from '../../src/api/server.js';
import { ConfigError } from '../../src/shared/config-issues.js';
import { destinationConfigSchema, notificationsSchema, sourceConfigSchema } from '../../src/shared/config.schema.js';
import { killAllStarted, runCli, type Finished } from '../helpers/child-process.js';
import { cliInProcess } from '../helpers/cli-in-process.js';

const work = mkdtempSync(join(tmpdir(), 'rs-config-doors-'));
const PINNED = 'SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s';

/** A configuration every door accepts: an export folder, an SFTP destination with a pinned key, a site map, notifications. */
function goodConfig() {
  return {
    version: 1,
    sources: [{ name: 'sis', type: 'folder', settings: { path: join(work, 'exports') }, entities: { students: { file: 'students.csv' }, schools: { file: 'sub/schools*.csv' } } }],
    destinations: [
      {
        name: 'vendor',
        source: 'sis',
        format: 'oneroster-1.1',
        type: 'sftp',
        settings: { host: 'sftp.vendor.example', port: 22, username: 'district42', remoteDir: 'Upload', trustedFingerprint: PINNED },
        schedule: { enabled: true, preset: 'cron', cron: '0 2 * * 1-5', timezone: 'America/Chicago' },
      },
    ],
    siteMaps: { vendor: [{ schoolCode: '007', siteId: 'A-1007', label: 'Lincoln' }] },
    notifications: { enabled: true, host: 'smtp.district.example', port: 587, from: 'rostersync@district.example', to: ['it@district.example'] },
  };
}
type Config = ReturnType<typeof goodConfig>;
type Door = 'source' | 'destination' | 'notifications';

interface BadCase {
  readonly name: string;
  readonly door: Door;
  /** Index in the file's list (sources / destinations). */
  readonly index?: number;
  readonly mutate: (c: Config) => void;
  /** The problem as every door reports it, below the entry: `settings.port: expected …`. */
  readonly problem: string;
}

const sftp = (c: Config): Record<string, unknown> => c.destinations[0]!.settings as Record<string, unknown>;
const CORPUS: readonly BadCase[] = [
  { name: 'an unknown SFTP setting', door: 'destination', mutate: (c) => void (sftp(c).hostname = 'x'), problem: 'settings.hostname: unknown key; expected one of host, port, username' },
  { name: 'a port written as text', door: 'destination', mutate: (c) => void (sftp(c).port = '5432'), problem: 'settings.port: expected an integer 1–65535, got "5432"' },
  { name: 'a port out of range', door: 'destination', mutate: (c) => void (sftp(c).port = 99999999), problem: 'settings.port: expected an integer 1–65535, got 99999999' },
  { name: 'a negative retry count', door: 'destination', mutate: (c) => void (sftp(c).retries = -1), problem: 'settings.retries: expected a value ≥ 0, got -1' },
  {
    name: 'a remote file-name pattern that climbs out of the folder',
    door: 'destination',
    mutate: (c) => void (sftp(c).fileNamePatterns = { 'users.csv': '../../etc/x' }),
    problem: 'settings.fileNamePatterns.users.csv: file name pattern "../../etc/x": a file name cannot contain / or \\',
  },
  { name: 'a remote folder that climbs out', door: 'destination', mutate: (c) => void (sftp(c).remoteDir = 'Upload/../../root'), problem: 'settings.remoteDir: "Upload/../../root" steps out of its folder' },
  { name: 'a cron minute of 61', door: 'destination', mutate: (c) => void (c.destinations[0]!.schedule.cron = '61 2 * * *'), problem: 'schedule.cron: "61 2 * * *" is not a valid cron expression' },
  { name: 'a cron that never fires', door: 'destination', mutate: (c) => void (c.destinations[0]!.schedule.cron = '0 0 31 2 *'), problem: 'schedule.cron: "0 0 31 2 *" never fires' },
  { name: 'a time zone that does not exist', door: 'destination', mutate: (c) => void (c.destinations[0]!.schedule.timezone = 'Mars/Olympus'), problem: 'schedule.timezone: "Mars/Olympus" is not an IANA time zone' },
  {
    name: 'a huge number of days to keep files',
    door: 'destination',
    mutate: (c) => void Object.assign(c.destinations[0]!, { keepDeliveredDays: 1e12 }),
    problem: 'keepDeliveredDays: expected a value ≤ 3650, got 1000000000000',
  },
  {
    name: 'an export file outside the folder',
    door: 'source',
    mutate: (c) => void (c.sources[0]!.entities.students.file = '../outside/students.csv'),
    problem: 'entities.students.file: "../outside/students.csv" steps out of the folder with ".."',
  },
  { name: 'an absolute export file', door: 'source', mutate: (c) => void (c.sources[0]!.entities.students.file = '/etc/passwd'), problem: 'entities.students.file: "/etc/passwd" is an absolute path' },
  { name: 'an unknown folder setting', door: 'source', mutate: (c) => void ((c.sources[0]!.settings as Record<string, unknown>).encodng = 'utf-8'), problem: 'settings.encodng: unknown key' },
  {
    name: 'a huge quiet period',
    door: 'source',
    mutate: (c) => void ((c.sources[0]!.settings as Record<string, unknown>).quietPeriodSeconds = 1e9),
    problem: 'settings.quietPeriodSeconds: expected a value ≤ 3600, got 1000000000',
  },
  {
    name: 'a PostgreSQL port written as text',
    door: 'source',
    index: 1,
    mutate: (c) => void c.sources.push({ name: 'pg', type: 'postgres', settings: { host: 'db', port: '5432', database: 'sis', user: 'ro' } as never, entities: {} as never }),
    problem: 'settings.port: expected an integer 1–65535, got "5432" (write the number without quotes)',
  },
  { name: 'an SMTP port of 0', door: 'notifications', mutate: (c) => void (c.notifications.port = 0), problem: 'port: expected an integer 1–65535, got 0' },
];

let ctx: AgentContext;
let server: ApiServer;

function post(name: string, body: unknown): Promise<{ status: number; error: { code: string; message: string } }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: server.port, method: 'POST', path: `/api/${name}`, headers: { 'content-type': 'application/json', authorization: `Bearer ${server.key}` } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ...(JSON.parse(Buffer.concat(chunks).toString('utf8')) as { error: { code: string; message: string } }) }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

function writeConfig(name: string, config: unknown): string {
  const file = join(work, name);
  writeFileSync(file, YAML.stringify(config));
  return file;
}

/** Runs `jobs` at most `width` at a time (each is a CLI process; a busy CI machine should not start them all at once). */
async function pooled<T>(jobs: readonly (() => Promise<T>)[], width: number): Promise<T[]> {
  const results: T[] = new Array<T>(jobs.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: width }, lane));
  return results;
}

/** `rostersync config import` of the good file and of each bad one, as separate processes. */
let goodImport: Finished;
let badImports: Finished[];

beforeAll(async () => {
  const badConfigs = CORPUS.map((bad, i) => {
    const config = goodConfig();
    bad.mutate(config);
    return writeConfig(`bad-${i}.yaml`, config);
  });
  const good = writeConfig('good.yaml', goodConfig());
  [goodImport, ...badImports] = await pooled(
    [good, ...badConfigs].map((file, i) => () => runCli(['--home', join(work, `cli-home-${i}`), 'config', 'import', file])),
    3,
  );
}, 900_000);

beforeAll(async () => {
  mkdirSync(join(work, 'exports'));
  ctx = openAgent(join(work, 'api-home'));
  const good = goodConfig();
  ctx.store.saveSource(sourceConfigSchema.parse(good.sources[0]));
  server = await startApiServer(ctx, { port: 0 });
});

afterAll(async () => {
  await server.close();
  closeAgent(ctx);
  await killAllStarted();
  rmSync(work, { recursive: true, force: true });
});

describe('the three doors refuse the same values with the same message', () => {
  it('accepts the good configuration at every door', async () => {
    expect(goodImport.stderr).toBe('');
    expect(goodImport.code).toBe(0);
    const good = goodConfig();
    expect((await post('saveDestination', { config: good.destinations[0] })).status).toBe(200);
    expect(() => ctx.store.saveDestination(destinationConfigSchema.parse(good.destinations[0]))).not.toThrow();
  });

  for (const bad of CORPUS) {
    it(`refuses ${bad.name}`, async () => {
      const config = goodConfig();
      bad.mutate(config);
      const index = bad.index ?? 0;

      // 1. rostersync config import, as a separate process: exit 2, the path inside the file.
      const filePath = bad.door === 'notifications' ? `notifications.${bad.problem}` : `${bad.door === 'source' ? 'sources' : 'destinations'}[${index}].${bad.problem}`;
      const cli = badImports[CORPUS.indexOf(bad)]!;
      expect(cli.code, cli.stderr).toBe(2);
      expect(cli.stderr).toContain(filePath);

      // 2. The local API: 400, the path inside the request.
      const api =
        bad.door === 'notifications'
          ? await post('saveNotifications', { notifications: config.notifications })
          : await post(bad.door === 'source' ? 'saveSource' : 'saveDestination', { config: bad.door === 'source' ? config.sources[index] : config.destinations[index] });
      expect(api.status).toBe(400);
      expect(api.error.code).toBe('bad-request');
      expect(api.error.message).toContain(`${bad.door === 'notifications' ? 'notifications' : 'config'}.${bad.problem}`);

      // 3. The store's own save: a ConfigError with the same words.
      const save = (): void => {
        if (bad.door === 'source') ctx.store.saveSource(config.sources[index] as never);
        else if (bad.door === 'destination') ctx.store.saveDestination(config.destinations[index] as never);
        else ctx.store.saveNotifications(config.notifications as never);
      };
      expect(save).toThrow(ConfigError);
      expect(save).toThrow(bad.problem);
    });
  }

  it('reports every problem of a file at once, and writes nothing', { timeout: 300_000 }, async () => {
    const home = join(work, 'all-at-once');
    const config = goodConfig();
    sftp(config).port = '22';
    config.destinations[0]!.schedule.timezone = 'Nowhere/Else';
    config.sources[0]!.entities.students.file = '../x.csv';
    const result = await runCli(['--home', home, 'config', 'import', writeConfig('many.yaml', config)]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('many.yaml: sources[0].entities.students.file');
    expect(result.stderr).toContain('destinations[0].settings.port: expected an integer 1–65535, got "22"');
    expect(result.stderr).toContain('destinations[0].schedule.timezone');
    const check = openAgent(home);
    try {
      expect(check.store.listSources()).toEqual([]);
      expect(check.store.listDestinations()).toEqual([]);
    } finally {
      closeAgent(check);
    }
  });
});

describe('re-import', () => {
  const home = join(work, 'reimport-home');
  const cli = cliInProcess(home);

  beforeAll(async () => {
    expect((await cli('config', 'import', writeConfig('first.yaml', goodConfig()))).code).toBe(0);
  });
  afterAll(() => {
    process.exitCode = 0;
  });

  /** The hand-written file: no host key, no site maps, no notifications; a new port and schedule. */
  function handWritten(): unknown {
    const { siteMaps: _s, notifications: _n, ...rest } = goodConfig();
    const destination = rest.destinations[0]!;
    const { trustedFingerprint: _t, ...settings } = destination.settings;
    return { ...rest, destinations: [{ ...destination, settings: { ...settings, port: 2222 }, schedule: { enabled: true, preset: 'nightly', time: '03:30', timezone: 'America/Chicago' } }] };
  }

  it('--dry-run shows what would change and what is kept, and changes nothing', async () => {
    const { code, out } = await cli('config', 'import', writeConfig('hand.yaml', handWritten()), '--dry-run');
    expect(code).toBe(0);
    expect(out).toContain('Destinations: 0 added, 1 changed, 0 unchanged');
    expect(out).toContain('settings.port: 22 → 2222');
    expect(out).toContain('schedule: cron "0 2 * * 1-5" (America/Chicago) → every night at 03:30 (America/Chicago)');
    expect(out).toContain('Sources: 0 added, 0 changed, 1 unchanged');
    expect(out).toMatch(/Kept as configured here:\n {2}destination vendor: settings\.trustedFingerprint \(not in the file\)\n {2}notifications \(not in the file\)/);
    expect(out).toContain('site map of vendor (not in the file)');
    expect(out).toContain('Dry run: nothing was changed.');
    const check = openAgent(home);
    try {
      expect(check.store.getDestination('vendor')!.settings.port).toBe(22);
    } finally {
      closeAgent(check);
    }
  });

  it('applies the change and keeps the pinned host key, the site map and the notification settings', async () => {
    const { code, out } = await cli('config', 'import', writeConfig('hand.yaml', handWritten()));
    expect(code).toBe(0);
    expect(out).toContain('Imported');
    const check = openAgent(home);
    try {
      const vendor = check.store.getDestination('vendor')!;
      expect(vendor.settings.port).toBe(2222);
      expect(vendor.settings.trustedFingerprint).toBe(PINNED);
      expect(vendor.schedule.preset).toBe('nightly');
      expect(check.store.getSiteMap('vendor')).toEqual([{ schoolCode: '007', siteId: 'A-1007', label: 'Lincoln' }]);
      expect(check.store.getNotifications()).toEqual(notificationsSchema.parse(goodConfig().notifications));
    } finally {
      closeAgent(check);
    }
  });

  it('a file that sets them explicitly replaces them: an empty fingerprint unpins, an empty site map clears', async () => {
    const config = goodConfig();
    sftp(config).trustedFingerprint = '';
    config.siteMaps.vendor = [];
    config.notifications.enabled = false;
    const { code, out } = await cli('--json', 'config', 'import', writeConfig('explicit.yaml', config));
    expect(code).toBe(0);
    const plan = JSON.parse(out) as { kept: string[]; siteMaps: { name: string; details: string[] }[] };
    expect(plan.kept).toEqual(['general settings (not in the file)']);
    expect(plan.siteMaps[0]!.details).toEqual(['1 → 0 school(s): 0 added, 1 removed, 0 changed']);
    const check = openAgent(home);
    try {
      expect(check.store.getDestination('vendor')!.settings.trustedFingerprint).toBe('');
      expect(check.store.getSiteMap('vendor')).toEqual([]);
      expect(check.store.getNotifications().enabled).toBe(false);
    } finally {
      closeAgent(check);
    }
  });
});
