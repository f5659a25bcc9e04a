import { describe, expect, it } from 'vitest';
import { sourceTypeSchema } from '../../src/shared/config.schema.js';
import { getSourceDriver, listSourceDrivers } from '../../src/sources/registry.js';

describe('source registry', () => {
  it('lists exactly one driver per source type', () => {
    const ids = listSourceDrivers().map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual([...sourceTypeSchema.options].sort());
  });

  it('finds a driver by id', () => {
    expect(getSourceDriver('sqlite').displayName).toBe('SQLite');
  });

  it('names the registry file for an unknown id', () => {
    expect(() => getSourceDriver('dbase')).toThrow(/src\/sources\/registry\.ts/);
  });

  it('gives every driver a settings schema, secret field list and capabilities', () => {
    for (const d of listSourceDrivers()) {
      expect(d.displayName.length).toBeGreaterThan(0);
      expect(Array.isArray(d.secretFields)).toBe(true);
      expect(d.capabilities.length).toBeGreaterThan(0);
      expect(typeof d.settingsSchema.safeParse).toBe('function');
    }
  });
});
