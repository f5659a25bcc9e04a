/**
 * The memoised phone step answers a repeated value exactly like the first time: same output,
 * same warning (once per call), and per region.
 */
import { describe, expect, it } from 'vitest';
import { compileTransforms, type TransformContext, type TransformIssue } from '../../src/pipeline/transforms.js';

const ctx = (phoneRegion: string): TransformContext => ({ field: () => null, site: () => undefined, phoneRegion });

describe('phone transform memo', () => {
  it('repeats output and warnings for a repeated value, per call', () => {
    const step = compileTransforms([{ op: 'phone', style: 'e164' }]);
    const results = [0, 1, 2].map(() => {
      const issues: TransformIssue[] = [];
      return { out: step('555-12', ctx('US'), issues), issues };
    });
    for (const r of results) {
      expect(r.out).toBe('55512');
      expect(r.issues).toHaveLength(1);
      expect(r.issues[0]).toMatchObject({ rule: 'phone', severity: 'warning', value: '555-12' });
    }
    const ok: TransformIssue[] = [];
    expect(step('(503) 555-0142', ctx('US'), ok)).toBe('+15035550142');
    expect(step('(503) 555-0142', ctx('US'), ok)).toBe('+15035550142');
    expect(ok).toEqual([]);
  });

  it('keys the memo by region', () => {
    const step = compileTransforms([{ op: 'phone', style: 'e164' }]);
    expect(step('020 7946 0018', ctx('GB'), [])).toBe('+442079460018');
    const us: TransformIssue[] = [];
    expect(step('020 7946 0018', ctx('US'), us)).not.toBe('+442079460018');
  });
});
