import { describe, expect, it } from 'vitest';
import { secretsToReenter } from '../../src/shared/secret-reentry.js';

const base = {
  identityFields: ['host', 'port', 'database'],
  defaults: { port: 5432 },
  saved: { host: 'sis.district.local', database: 'sis', user: 'rs' },
  savedFor: { password: 'sis.district.local:5432/sis' },
  typed: {},
};

describe('secrets a connection form must ask for again', () => {
  it('none while host, port and database are those the secret was saved for (defaults and host case do not count)', () => {
    expect(secretsToReenter({ ...base, draft: { host: 'SIS.district.local', port: 5432, database: 'sis', user: 'other', ssl: 'require' } })).toEqual({});
  });

  it('the stored secret, with where it was saved for, once host, port or database change', () => {
    for (const change of [{ host: 'attacker.example' }, { port: 6543 }, { database: 'other' }]) {
      expect(secretsToReenter({ ...base, draft: { ...base.saved, ...change } })).toEqual({ password: 'sis.district.local:5432/sis' });
    }
  });

  it('nothing once the secret is typed again, and nothing for a new connection', () => {
    expect(secretsToReenter({ ...base, draft: { ...base.saved, host: 'new.example' }, typed: { password: 'x' } })).toEqual({});
    expect(secretsToReenter({ ...base, saved: undefined, draft: { host: 'new.example' } })).toEqual({});
  });
});
