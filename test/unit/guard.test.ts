import { describe, expect, it } from 'vitest';
import { evaluateGuard } from '../../src/pipeline/guard.js';
import { guardSchema } from '../../src/shared/config.schema.js';
import type { FileDiff } from '../../src/shared/run.js';

const diff = (file: string, previous: number, current: number, removed: number, changed: number): FileDiff => ({
  file, previous, current, added: current - (previous - removed), removed, changed, unchanged: 0, sampleAdded: [], sampleRemoved: [], sampleChanged: [],
});
const guard = guardSchema.parse({});

describe('safety guard', () => {
  it('does not hold a first delivery', () => {
    expect(evaluateGuard([diff('users.csv', 0, 10, 0, 0)], guard, false)).toEqual([]);
  });
  it('holds when more than 10% of records would disappear', () => {
    const reasons = evaluateGuard([diff('users.csv', 1000, 500, 500, 0)], guard, true);
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatch(/users\.csv: 500 of 1000 records \(50%\) would be removed; the limit is 10%/);
  });
  it('lets 10% through exactly and holds above', () => {
    expect(evaluateGuard([diff('users.csv', 1000, 900, 100, 0)], guard, true)).toEqual([]);
    expect(evaluateGuard([diff('users.csv', 1000, 899, 101, 0)], guard, true)).toHaveLength(1);
  });
  it('holds when more than 75% would change', () => {
    expect(evaluateGuard([diff('classes.csv', 100, 100, 0, 80)], guard, true)[0]).toMatch(/80 of 100 records \(80%\) would change/);
  });
  it('holds a file that shrinks to zero, even a small one', () => {
    expect(evaluateGuard([diff('orgs.csv', 3, 0, 3, 0)], guard, true)[0]).toMatch(/orgs\.csv is empty; the last delivery had 3 records/);
  });
  it('ignores share thresholds for tiny files but honours per-file overrides', () => {
    expect(evaluateGuard([diff('orgs.csv', 5, 2, 3, 0)], guard, true)).toEqual([]);
    const strict = guardSchema.parse({ files: { 'users.csv': { maxRemovedShare: 0.01 } } });
    expect(evaluateGuard([diff('users.csv', 1000, 980, 20, 0)], strict, true)).toHaveLength(1);
    expect(evaluateGuard([diff('enrollments.csv', 1000, 980, 20, 0)], strict, true)).toEqual([]);
  });
});
