/**
 * The destination contract suite: every DestinationDriver must pass it (SFTP against a real OpenSSH
 * server, the folder destination against a real folder). Call it at the top level of a test file:
 *
 *   describeDestinationContract('sftp', {
 *     setup: async () => ({ driver, settings, secrets, list, read, clear }),
 *     teardown: async () => …,
 *   });
 *
 * What it asserts, for every implementation:
 * - files arrive complete and in `order` (receipt lists them in delivery order);
 * - receipt fields: name, remotePath (ends with the file name), bytes, durationMs, attempts;
 * - re-delivery overwrites (a shorter second version leaves no tail of the first);
 * - a failure leaves no partial file under its final name and no temporary behind, throws a
 *   DeliveryError that lists the files delivered before it;
 * - a size mismatch between the staged file and what arrived is a `verify` failure;
 * - a set is published all-or-nothing: the plan is journaled before any final name changes, data
 *   files go first and the marker (manifest) last, the previous marker is withdrawn first, files of
 *   the previous set the new one lacks are removed, and recovering a finished plan changes nothing;
 * - no secret appears in a message or a log line.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeliveryError } from '../../src/destinations/types.js';
import type { DeliveryContext, DestinationDriver, PublishPlan, StagedFile } from '../../src/destinations/types.js';
import type { Secrets } from '../../src/sources/types.js';

export interface DestinationFixture<S> {
  readonly driver: DestinationDriver<S>;
  readonly settings: S;
  readonly secrets: Secrets;
  /** Names of every entry in the destination's target folder (including hidden temporaries). */
  list(): Promise<string[]>;
  /** Contents of a file in the target folder, or null when absent. */
  read(name: string): Promise<Buffer | null>;
  /** Empty the target folder. */
  clear(): Promise<void>;
}

export interface ContractOptions<S> {
  setup(): Promise<DestinationFixture<S>>;
  teardown?(fixture: DestinationFixture<S>): Promise<void>;
}

export interface LogLine {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
}

export function recordingContext(overrides: Partial<DeliveryContext> = {}): DeliveryContext & { readonly lines: LogLine[]; readonly remembered: Map<string, string> } {
  const lines: LogLine[] = [];
  const remembered = new Map<string, string>();
  return {
    now: new Date(2025, 8, 1, 2, 30),
    log: (level, message) => lines.push({ level, message }),
    remember: (key, value) => remembered.set(key, value),
    lines,
    remembered,
    ...overrides,
  };
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Stage files in a fresh local folder, as the pipeline would. */
export class Stager {
  readonly dir = mkdtempSync(join(tmpdir(), 'rostersync-contract-'));

  file(name: string, content: Buffer | string, order: number): StagedFile {
    const data = typeof content === 'string' ? Buffer.from(content) : content;
    const localPath = join(this.dir, `${order}-${randomBytes(3).toString('hex')}-${name}`);
    writeFileSync(localPath, data);
    return { name, localPath, bytes: data.length, sha256: sha256(data), order };
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Every secret value and every substantial line of it (key material) must be absent from `texts`. */
export function expectNoSecrets(texts: readonly string[], secrets: Secrets): void {
  const needles: string[] = [];
  for (const v of Object.values(secrets)) {
    if (!v) continue;
    needles.push(v);
    for (const line of v.split(/\r?\n/)) if (line.trim().length >= 16 && !line.startsWith('-----')) needles.push(line.trim());
  }
  for (const text of texts) for (const n of needles) expect(text.includes(n), `a secret appears in: ${text.slice(0, 200)}`).toBe(false);
}

const CSV = (rows: number, tag: string): string =>
  ['id,name', ...Array.from({ length: rows }, (_, i) => `${String(i).padStart(6, '0')},${tag} ${i}`)].join('\r\n') + '\r\n';

export function describeDestinationContract<S>(label: string, options: ContractOptions<S>): void {
  describe(`destination contract: ${label}`, () => {
    let fx: DestinationFixture<S>;
    let stager: Stager;

    beforeAll(async () => {
      fx = await options.setup();
      stager = new Stager();
    });
    afterAll(async () => {
      stager?.dispose();
      if (fx && options.teardown) await options.teardown(fx);
    });
    beforeEach(async () => {
      await fx.clear();
    });

    it('delivers every file complete, in dependency order, with a full receipt', async () => {
      // Given out of order on purpose: enrollments (4) must go after users (2) and classes (3), orgs (1) first.
      const files = [
        stager.file('enrollments.csv', CSV(50, 'enr'), 4),
        stager.file('users.csv', CSV(200, 'user'), 2),
        stager.file('orgs.csv', CSV(3, 'org'), 1),
        stager.file('classes.csv', CSV(20, 'class'), 3),
      ];
      const ctx = recordingContext();
      const receipt = await fx.driver.deliver(fx.settings, fx.secrets, files, ctx);

      expect(receipt.files.map((f) => f.name)).toEqual(['orgs.csv', 'users.csv', 'classes.csv', 'enrollments.csv']);
      for (const staged of files) {
        const got = await fx.read(staged.name);
        expect(got, `${staged.name} delivered`).not.toBeNull();
        expect(sha256(got as Buffer)).toBe(staged.sha256);
        const r = receipt.files.find((f) => f.name === staged.name);
        expect(r).toBeDefined();
        expect(r?.bytes).toBe(staged.bytes);
        expect(r?.remotePath.endsWith(staged.name)).toBe(true);
        expect(Number.isInteger(r?.attempts) && (r?.attempts ?? 0) >= 1).toBe(true);
        expect(typeof r?.durationMs === 'number' && (r?.durationMs ?? -1) >= 0).toBe(true);
      }
      expect(receipt.message.length).toBeGreaterThan(0);
      // Nothing but the delivered files in the folder: no temporaries left.
      expect((await fx.list()).sort()).toEqual(files.map((f) => f.name).sort());
    });

    it('re-delivery overwrites: a shorter second version leaves nothing of the first', async () => {
      const v1 = stager.file('users.csv', CSV(500, 'first version'), 1);
      await fx.driver.deliver(fx.settings, fx.secrets, [v1], recordingContext());
      const v2 = stager.file('users.csv', CSV(5, 'second'), 1);
      const receipt = await fx.driver.deliver(fx.settings, fx.secrets, [v2], recordingContext());
      const got = await fx.read('users.csv');
      expect(got?.length).toBe(v2.bytes);
      expect(sha256(got as Buffer)).toBe(v2.sha256);
      expect(receipt.files[0]?.bytes).toBe(v2.bytes);
      expect(await fx.list()).toEqual(['users.csv']);
    });

    it('a failure mid-delivery leaves no partial final file and no temporary, and reports what was delivered', async () => {
      const ok = stager.file('orgs.csv', CSV(3, 'org'), 1);
      const broken: StagedFile = { ...stager.file('users.csv', CSV(100, 'user'), 2) };
      rmSync(broken.localPath); // the local copy vanished between staging and delivery
      const never = stager.file('enrollments.csv', CSV(10, 'enr'), 3);
      const ctx = recordingContext();
      const err = await fx.driver.deliver(fx.settings, fx.secrets, [never, broken, ok], ctx).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DeliveryError);
      const de = err as DeliveryError;
      expect(de.message).toContain('users.csv');
      // Files before the failure may or may not have gone (a driver may check everything first),
      // but what the error says was delivered is exactly what is there, complete.
      const delivered = de.delivered.map((f) => f.name);
      expect(['orgs.csv'], 'only orgs.csv comes before users.csv').toEqual(expect.arrayContaining(delivered));
      expect(await fx.read('users.csv')).toBeNull();
      expect(await fx.read('enrollments.csv')).toBeNull();
      expect((await fx.list()).sort()).toEqual(delivered.sort());
      if (delivered.length) expect(sha256((await fx.read('orgs.csv')) as Buffer)).toBe(ok.sha256);
    });

    it('a staged file whose size differs from its record is refused as "verify", nothing under its name', async () => {
      const good = stager.file('classes.csv', CSV(20, 'class'), 1);
      const lying: StagedFile = { ...good, bytes: good.bytes + 7 };
      const err = await fx.driver.deliver(fx.settings, fx.secrets, [lying], recordingContext()).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DeliveryError);
      expect((err as DeliveryError).code).toBe('verify');
      expect(await fx.read('classes.csv')).toBeNull();
      expect(await fx.list()).toEqual([]);
    });

    it('keeps an earlier delivered version intact when a later delivery of it fails', async () => {
      const v1 = stager.file('users.csv', CSV(30, 'kept'), 1);
      await fx.driver.deliver(fx.settings, fx.secrets, [v1], recordingContext());
      const v2 = stager.file('users.csv', CSV(60, 'never'), 1);
      const lying: StagedFile = { ...v2, bytes: v2.bytes - 1 };
      await expect(fx.driver.deliver(fx.settings, fx.secrets, [lying], recordingContext())).rejects.toBeInstanceOf(DeliveryError);
      const got = await fx.read('users.csv');
      expect(sha256(got as Buffer)).toBe(v1.sha256);
      expect(await fx.list()).toEqual(['users.csv']);
    });

    it('publishes a set all-or-nothing: plan journaled first, data before the marker, the previous set\'s extra file removed', async () => {
      const manifest = (text: string): StagedFile => ({ ...stager.file('manifest.csv', text, 0), marker: true });
      const first = await fx.driver.deliver(
        fx.settings,
        fx.secrets,
        [manifest('set 1'), stager.file('orgs.csv', CSV(3, 'org 1'), 1), stager.file('users.csv', CSV(50, 'user 1'), 2), stager.file('demographics.csv', CSV(50, 'demo 1'), 3)],
        recordingContext(),
      );
      expect(first.files.map((f) => f.name)).toEqual(['orgs.csv', 'users.csv', 'demographics.csv', 'manifest.csv']);
      const pathOf = (name: string): string => first.files.find((f) => f.name === name)!.remotePath;

      const plans: PublishPlan[] = [];
      const stagingDirs: string[] = [];
      const second = [manifest('set 2'), stager.file('orgs.csv', CSV(3, 'org 2'), 1), stager.file('users.csv', CSV(40, 'user 2'), 2)];
      const receipt = await fx.driver.deliver(
        fx.settings,
        fx.secrets,
        second,
        recordingContext({ previousSet: first.files.map((f) => ({ name: f.name, path: f.remotePath })), journal: { staging: (dir) => stagingDirs.push(dir), publishing: (plan) => plans.push(plan) } }),
      );
      expect(plans).toHaveLength(1);
      const plan = plans[0]!;
      expect(plan.data.map((s) => s.name)).toEqual(['orgs.csv', 'users.csv']);
      expect(plan.markers.map((s) => s.name)).toEqual(['manifest.csv']);
      expect(plan.withdraw).toEqual([pathOf('manifest.csv')]);
      expect(plan.stale).toEqual([pathOf('demographics.csv')]);
      expect(receipt.files.map((f) => f.name)).toEqual(['orgs.csv', 'users.csv', 'manifest.csv']);
      expect((await fx.list()).sort()).toEqual(['manifest.csv', 'orgs.csv', 'users.csv']);
      for (const staged of second) expect(sha256((await fx.read(staged.name)) as Buffer), staged.name).toBe(staged.sha256);

      // Settling the finished plan again (a start after a crash right at the end) rolls forward and changes nothing.
      const settled = await fx.driver.recover(fx.settings, fx.secrets, plan, recordingContext());
      expect(settled.outcome).toBe('rolled-forward');
      expect((await fx.list()).sort()).toEqual(['manifest.csv', 'orgs.csv', 'users.csv']);
      for (const staged of second) expect(sha256((await fx.read(staged.name)) as Buffer), staged.name).toBe(staged.sha256);
    });

    it('says nothing secret in receipts, errors or logs', async () => {
      const ctx = recordingContext();
      const receipt = await fx.driver.deliver(fx.settings, fx.secrets, [stager.file('orgs.csv', CSV(2, 'org'), 1)], ctx);
      const missing: StagedFile = { name: 'gone.csv', localPath: join(stager.dir, 'does-not-exist.csv'), bytes: 10, sha256: '', order: 1 };
      const err = await fx.driver.deliver(fx.settings, fx.secrets, [missing], ctx).then(
        () => undefined,
        (e: unknown) => e,
      );
      const check = await fx.driver.check(fx.settings, fx.secrets);
      expect(check.ok, check.message).toBe(true);
      expectNoSecrets(
        [receipt.message, JSON.stringify(receipt), (err as Error).message, check.message, ...ctx.lines.map((l) => l.message)],
        fx.secrets,
      );
    });
  });
}
