/**
 * The API surface: a new, renamed or removed call shows up here in review. Also checks the
 * contract's request schemas accept what the screens send and name the field that is wrong.
 */
import { describe, expect, it } from 'vitest';
import { API, API_CALL_NAMES, isApiCallName, type Api } from '../../src/shared/api.contract.js';
import { createFetchApi, takeKeyFromFragment, type KeyStorage } from '../../src/shared/api-client.js';
import { describeZodError } from '../../src/shared/config.schema.js';

describe('API contract', () => {
  it('lists exactly these calls', () => {
    expect(API_CALL_NAMES).toMatchInlineSnapshot(`
      [
        "approveRun",
        "cancelRun",
        "deleteDestination",
        "deleteSource",
        "detectSource",
        "discardRun",
        "discoverSource",
        "exportConfig",
        "exportSiteMap",
        "getDashboard",
        "getDestination",
        "getFormat",
        "getRun",
        "getSettings",
        "getSiteMap",
        "getSource",
        "getStatus",
        "importConfig",
        "importSiteMap",
        "listAudit",
        "listConnectionTypes",
        "listDestinations",
        "listFormats",
        "listProfiles",
        "listRuns",
        "listSources",
        "pauseSchedules",
        "previewMapping",
        "probeHostKey",
        "resumeSchedules",
        "reviewHeldRun",
        "rotateApiKey",
        "runReport",
        "sampleSource",
        "saveDestination",
        "saveGeneralSettings",
        "saveNotifications",
        "saveSiteMap",
        "saveSource",
        "sendTestEmail",
        "suggestMapping",
        "syncNow",
        "testDestination",
        "testSource",
        "trustHostKey",
        "unmappedSchools",
        "whoReceived",
      ]
    `);
  });

  it('the fetch client implements every call and nothing else', () => {
    const api: Api = createFetchApi({ key: 'k', fetch: async () => new Response('{}') });
    expect(Object.keys(api).sort()).toEqual(API_CALL_NAMES);
  });

  it('recognises call names', () => {
    expect(isApiCallName('getDashboard')).toBe(true);
    expect(isApiCallName('toString')).toBe(false);
    expect(isApiCallName('__proto__')).toBe(false);
  });

  it('fills defaults of a destination draft and names a wrong field', () => {
    const ok = API.saveDestination.input.parse({ config: { name: 'v', source: 's', format: 'oneroster-1.1', type: 'sftp' } });
    expect(ok.config.schedule.time).toBe('02:00');
    const bad = API.saveDestination.input.safeParse({ config: { name: 'v', source: 's', format: 'x', type: 'sftp', schedule: { time: '25:00' } } });
    expect(bad.success).toBe(false);
    if (!bad.success) expect(describeZodError(bad.error)).toContain('config.schedule.time');
  });

  it('sampleSource wants exactly one of table, entity, query', () => {
    const config = { name: 's', type: 'sqlite', settings: { path: '/x' } };
    expect(API.sampleSource.input.safeParse({ config, table: 't' }).success).toBe(true);
    expect(API.sampleSource.input.safeParse({ config }).success).toBe(false);
    expect(API.sampleSource.input.safeParse({ config, table: 't', query: 'select 1' }).success).toBe(false);
  });

  it('rejects unknown fields (strict inputs)', () => {
    expect(API.getRun.input.safeParse({ id: 1, extra: true }).success).toBe(false);
  });
});

describe('login key from the URL fragment', () => {
  const memory = (): KeyStorage & { data: Map<string, string> } => {
    const data = new Map<string, string>();
    return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v), removeItem: (k) => void data.delete(k) };
  };

  it('moves the key into storage and strips it from the fragment', () => {
    const storage = memory();
    expect(takeKeyFromFragment('#key=abc123&tab=runs', storage)).toEqual({ key: 'abc123', hash: '#tab=runs' });
    expect(storage.data.get('rostersync.apiKey')).toBe('abc123');
    expect(takeKeyFromFragment('', storage)).toEqual({ key: 'abc123', hash: '' });
  });

  it('has no key before login', () => {
    expect(takeKeyFromFragment('#/dashboard', memory()).key).toBeNull();
  });
});
