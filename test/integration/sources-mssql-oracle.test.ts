/**
 * No SQL Server or Oracle can run here, but their drivers' connection failures are real:
 * these tests open real sockets to a closed port and to a name that does not resolve, and
 * check the admin-facing words (and that the password never appears).
 */
import { describe, expect, it } from 'vitest';
import { getSourceDriver } from '../../src/sources/registry.js';
import { SourceError } from '../../src/sources/types.js';

const PASSWORD = 'Real-S0cket-Pa55';

async function refusal(promise: Promise<unknown>): Promise<SourceError> {
  try {
    await promise;
  } catch (error) {
    expect(error, String(error)).toBeInstanceOf(SourceError);
    return error as SourceError;
  }
  throw new Error('expected a SourceError');
}

describe.each([
  ['mssql', { database: 'Campus', user: 'rostersync', connectTimeoutSeconds: 5 }],
  ['oracle', { serviceName: 'PSPRODDB', user: 'psnavigator', connectTimeoutSeconds: 5 }],
])('%s driver against real sockets', (id, base) => {
  const driver = getSourceDriver(id);

  it('says the server refused the connection on a closed port', async () => {
    for (const attempt of [() => driver.check({ ...base, host: '127.0.0.1', port: 1 }, { password: PASSWORD }), () => driver.open({ ...base, host: '127.0.0.1', port: 1 }, { password: PASSWORD })]) {
      const error = await refusal(attempt());
      expect(error.code).toBe('unreachable');
      expect(error.message).toMatch(/refused/);
      expect(error.message).toMatch(/firewall/);
      expect(error.message).not.toContain(PASSWORD);
    }
  });

  it('says the server name cannot be found', async () => {
    const error = await refusal(driver.check({ ...base, host: 'no-such-sis.invalid', port: 1 }, { password: PASSWORD }));
    expect(error.code).toBe('unreachable');
    expect(error.message).toMatch(/no-such-sis\.invalid/);
    expect(error.message).not.toContain(PASSWORD);
  });

  it('refuses a write before connecting anywhere', async () => {
    const settings = { ...base, host: '127.0.0.1', port: 1 };
    const error = await refusal(driver.sample(settings, { password: PASSWORD }, { entity: 'students', query: 'DELETE FROM students' }, 5));
    expect(error.code).toBe('not-read-only');
    const session = await refusal(driver.open(settings, { password: PASSWORD }));
    expect(session.code).toBe('unreachable');
  });
});
